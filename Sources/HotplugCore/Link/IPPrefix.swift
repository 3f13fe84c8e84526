/// An interface address with its prefix length, e.g. `10.42.0.1/24` or `fd42::1/64`.
///
/// The host bits are kept as written: this is the address an interface gets,
/// not a network (route) prefix, so `10.42.0.1/24` must not become `10.42.0.0/24`.
///
/// Parsing is strict on purpose: configuration mistakes such as `010.1.1.1`
/// (octal in some libcs, decimal in others) or a missing prefix length are
/// rejected instead of being guessed at.
public struct IPPrefix: Sendable, Hashable, CustomStringConvertible {
    public enum Family: Sendable {
        case ipv4
        case ipv6

        /// Address size in bytes.
        public var addressLength: Int {
            switch self {
            case .ipv4: 4
            case .ipv6: 16
            }
        }

        /// The largest prefix length an address of this family can have.
        public var maximumPrefixLength: UInt8 {
            switch self {
            case .ipv4: 32
            case .ipv6: 128
            }
        }
    }

    public var family: Family
    /// Network byte order; 4 bytes for IPv4, 16 for IPv6.
    public var address: [UInt8]
    public var prefixLength: UInt8

    /// Parses `address/prefix`. The prefix length is required.
    public init?(_ text: String) {
        let bytes = Array(text.utf8)
        guard let slash = bytes.firstIndex(of: UInt8(ascii: "/")) else { return nil }
        let addressText = bytes[..<slash]
        let prefixText = bytes[(slash + 1)...]

        let family: Family
        let address: [UInt8]
        if addressText.contains(UInt8(ascii: ":")) {
            guard let parsed = IPAddressParser.parseIPv6(addressText) else { return nil }
            family = .ipv6
            address = parsed
        } else {
            guard let parsed = IPAddressParser.parseIPv4(addressText) else { return nil }
            family = .ipv4
            address = parsed
        }
        guard let length = IPAddressParser.parseDecimal(prefixText, maximum: Int(family.maximumPrefixLength))
        else { return nil }

        self.family = family
        self.address = address
        self.prefixLength = UInt8(length)
    }

    /// Builds a prefix from raw bytes, e.g. as reported by the kernel.
    /// The family follows from the byte count (4 or 16); returns nil for any
    /// other count or a prefix length too long for the family.
    public init?(address: [UInt8], prefixLength: UInt8) {
        let family: Family
        switch address.count {
        case 4: family = .ipv4
        case 16: family = .ipv6
        default: return nil
        }
        guard prefixLength <= family.maximumPrefixLength else { return nil }
        self.family = family
        self.address = address
        self.prefixLength = prefixLength
    }

    /// Canonical text: dotted decimal for IPv4, RFC 5952 for IPv6.
    public var description: String {
        "\(addressDescription)/\(prefixLength)"
    }

    /// The address alone in canonical form, without the prefix length.
    public var addressDescription: String {
        switch family {
        case .ipv4: IPAddressFormatter.formatIPv4(address)
        case .ipv6: IPAddressFormatter.formatIPv6(address)
        }
    }
}

/// Text-to-bytes conversion. Works on UTF-8 code units so that no Unicode
/// digit or letter lookalike can ever be taken for an ASCII one.
enum IPAddressParser {
    /// Plain decimal without sign or leading zeros ("0" itself is fine).
    static func parseDecimal(_ text: ArraySlice<UInt8>, maximum: Int) -> Int? {
        guard !text.isEmpty, text.count <= 3 else { return nil }
        if text.count > 1, text.first == UInt8(ascii: "0") { return nil }
        var value = 0
        for character in text {
            guard let digit = decimalDigitValue(character) else { return nil }
            value = value * 10 + digit
        }
        return value <= maximum ? value : nil
    }

    static func parseIPv4(_ text: ArraySlice<UInt8>) -> [UInt8]? {
        let parts = text.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false)
        guard parts.count == 4 else { return nil }
        var address: [UInt8] = []
        address.reserveCapacity(4)
        for part in parts {
            guard let octet = parseDecimal(part, maximum: 255) else { return nil }
            address.append(UInt8(octet))
        }
        return address
    }

    /// Full RFC 4291 text syntax: up to eight hex groups, at most one `::`
    /// standing for one or more zero groups, and an optional dotted IPv4 tail.
    /// Zone identifiers (`%eth0`) are not addresses an interface can hold and
    /// are rejected.
    static func parseIPv6(_ text: ArraySlice<UInt8>) -> [UInt8]? {
        let colon = UInt8(ascii: ":")
        var compressionStart: Int?
        var index = text.startIndex
        while index + 1 < text.endIndex {
            if text[index] == colon, text[index + 1] == colon {
                compressionStart = index
                break
            }
            index += 1
        }

        let words: [UInt16]
        if let compressionStart {
            let head = text[text.startIndex..<compressionStart]
            let tail = text[(compressionStart + 2)...]
            guard let headWords = parseGroups(head, allowsIPv4Tail: false),
                let tailWords = parseGroups(tail, allowsIPv4Tail: true)
            else { return nil }
            let zeroCount = 8 - headWords.count - tailWords.count
            // "::" must stand for at least one group; a second "::" fails in
            // parseGroups because it produces an empty group.
            guard zeroCount >= 1 else { return nil }
            words = headWords + Array(repeating: 0, count: zeroCount) + tailWords
        } else {
            guard let all = parseGroups(text, allowsIPv4Tail: true), all.count == 8 else { return nil }
            words = all
        }

        var address: [UInt8] = []
        address.reserveCapacity(16)
        for word in words {
            address.append(UInt8(word >> 8))
            address.append(UInt8(word & 0xFF))
        }
        return address
    }

    /// Parses colon-separated hex groups; an empty text is zero groups.
    /// A dotted IPv4 address may only be the last group and counts as two.
    private static func parseGroups(_ text: ArraySlice<UInt8>, allowsIPv4Tail: Bool) -> [UInt16]? {
        if text.isEmpty { return [] }
        let groups = text.split(separator: UInt8(ascii: ":"), omittingEmptySubsequences: false)
        guard groups.count <= 8 else { return nil }
        var words: [UInt16] = []
        for (position, group) in groups.enumerated() {
            let isLast = position == groups.count - 1
            if isLast, allowsIPv4Tail, group.contains(UInt8(ascii: ".")) {
                guard let ipv4 = parseIPv4(group) else { return nil }
                words.append(UInt16(ipv4[0]) << 8 | UInt16(ipv4[1]))
                words.append(UInt16(ipv4[2]) << 8 | UInt16(ipv4[3]))
            } else {
                guard let word = parseHexGroup(group) else { return nil }
                words.append(word)
            }
        }
        return words.count <= 8 ? words : nil
    }

    private static func parseHexGroup(_ text: ArraySlice<UInt8>) -> UInt16? {
        guard !text.isEmpty, text.count <= 4 else { return nil }
        var value: UInt16 = 0
        for character in text {
            guard let digit = hexDigitValue(character) else { return nil }
            value = value << 4 | UInt16(digit)
        }
        return value
    }

    private static func decimalDigitValue(_ character: UInt8) -> Int? {
        switch character {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): Int(character - UInt8(ascii: "0"))
        default: nil
        }
    }

    private static func hexDigitValue(_ character: UInt8) -> UInt8? {
        switch character {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): character - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): character - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): character - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}

/// Bytes-to-text conversion. Tolerates a wrong byte count (the stored
/// properties are public and mutable) by formatting what is there instead of
/// trapping.
enum IPAddressFormatter {
    static func formatIPv4(_ address: [UInt8]) -> String {
        address.map { String($0) }.joined(separator: ".")
    }

    /// RFC 5952: lowercase hex without leading zeros, the longest run of two
    /// or more zero groups (the first one on a tie) replaced by "::", and
    /// IPv4-mapped addresses (::ffff:0:0/96) written with a dotted tail.
    static func formatIPv6(_ address: [UInt8]) -> String {
        var words: [UInt16] = []
        var offset = 0
        while offset < address.count {
            let high = UInt16(address[offset])
            let low = offset + 1 < address.count ? UInt16(address[offset + 1]) : 0
            words.append(high << 8 | low)
            offset += 2
        }
        guard words.count == 8 else {
            return words.map { String($0, radix: 16) }.joined(separator: ":")
        }

        if words[0..<5].allSatisfy({ $0 == 0 }), words[5] == 0xFFFF {
            return "::ffff:" + formatIPv4(Array(address[12..<16]))
        }

        var bestRun: Range<Int>?
        var runStart: Int?
        for position in 0...8 {
            let isZero = position < 8 && words[position] == 0
            if isZero {
                if runStart == nil { runStart = position }
            } else if let start = runStart {
                let run = start..<position
                if run.count >= 2, run.count > (bestRun?.count ?? 0) { bestRun = run }
                runStart = nil
            }
        }

        func hex(_ slice: ArraySlice<UInt16>) -> String {
            slice.map { String($0, radix: 16) }.joined(separator: ":")
        }
        guard let bestRun else { return hex(words[...]) }
        return hex(words[..<bestRun.lowerBound]) + "::" + hex(words[bestRun.upperBound...])
    }
}
