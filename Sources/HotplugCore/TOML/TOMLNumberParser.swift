/// Turns the text of an integer or float literal into a value, reporting
/// errors at the offending character. The literal never spans lines, so a
/// character's column is the literal's column plus its offset.
struct TOMLNumberParser {
    let token: [Unicode.Scalar]
    let start: SourcePosition

    private enum Radix {
        case hexadecimal, octal, binary

        init?(prefixLetter: Unicode.Scalar) {
            switch prefixLetter {
            case "x": self = .hexadecimal
            case "o": self = .octal
            case "b": self = .binary
            default: return nil
            }
        }

        var base: UInt64 {
            switch self {
            case .hexadecimal: 16
            case .octal: 8
            case .binary: 2
            }
        }

        func digitValue(_ scalar: Unicode.Scalar) -> UInt64? {
            guard let value = scalar.tomlHexDigitValue, UInt64(value) < base else { return nil }
            return UInt64(value)
        }
    }

    func parse() throws(TOMLSyntaxError) -> TOMLValue {
        var index = 0
        var isNegative = false
        if let first = token.first, first == "+" || first == "-" {
            isNegative = first == "-"
            index = 1
        }
        let body = String(String.UnicodeScalarView(token[index...]))
        if body == "inf" { return .float(isNegative ? -.infinity : .infinity) }
        if body == "nan" { return .float(.nan) }
        guard index < token.count else { throw failure(at: 0, "expected digits after the sign") }

        if token[index] == "0", index + 1 < token.count, let radix = Radix(prefixLetter: token[index + 1]) {
            if index > 0 { throw failure(at: 0, "a sign is not allowed on \(radix) integers") }
            return .integer(try parseRadixInteger(from: index + 2, radix: radix))
        }
        if token[index...].contains(where: { $0 == "." || $0 == "e" || $0 == "E" }) {
            return .float(try parseFloat(from: index, isNegative: isNegative))
        }
        return .integer(try parseDecimalInteger(from: index, isNegative: isNegative))
    }

    private func parseRadixInteger(from index: Int, radix: Radix) throws(TOMLSyntaxError) -> Int64 {
        let (digits, end) = try scanDigits(from: index) { radix.digitValue($0) != nil }
        if end < token.count { throw failure(at: end, "invalid character \(TOMLText.describe(token[end])) in \(radix) integer") }
        if digits.isEmpty { throw failure(at: 0, "expected digits after '0\(token[1])'") }
        var magnitude: UInt64 = 0
        for digit in digits {
            guard let value = radix.digitValue(digit),
                  let next = multiplyAdd(magnitude, radix.base, value) else { throw failure(at: 0, "integer out of range") }
            magnitude = next
        }
        guard magnitude <= UInt64(Int64.max) else { throw failure(at: 0, "integer out of range") }
        return Int64(magnitude)
    }

    private func parseDecimalInteger(from index: Int, isNegative: Bool) throws(TOMLSyntaxError) -> Int64 {
        let (digits, end) = try scanDigits(from: index) { $0.isTOMLDigit }
        if end < token.count { throw failure(at: end, "invalid character \(TOMLText.describe(token[end])) in number") }
        if digits.count > 1, digits.first == "0" { throw failure(at: index, "leading zeros are not allowed") }
        var magnitude: UInt64 = 0
        for digit in digits {
            guard let value = digit.tomlDigitValue,
                  let next = multiplyAdd(magnitude, 10, UInt64(value)) else { throw failure(at: 0, "integer out of range") }
            magnitude = next
        }
        let limit = isNegative ? UInt64(Int64.max) + 1 : UInt64(Int64.max)
        guard magnitude <= limit else { throw failure(at: 0, "integer out of range") }
        // Negate in UInt64 so that Int64.min's magnitude does not overflow Int64.
        return isNegative ? Int64(bitPattern: 0 &- magnitude) : Int64(magnitude)
    }

    private func parseFloat(from index: Int, isNegative: Bool) throws(TOMLSyntaxError) -> Double {
        var text = isNegative ? "-" : ""
        let (integerDigits, afterInteger) = try scanDigits(from: index) { $0.isTOMLDigit }
        if integerDigits.isEmpty {
            if afterInteger < token.count, token[afterInteger] == "." {
                throw failure(at: afterInteger, "a decimal point must be preceded by digits")
            }
            throw failure(at: afterInteger, "invalid character \(TOMLText.describe(scalar(at: afterInteger))) in number")
        }
        if integerDigits.count > 1, integerDigits.first == "0" { throw failure(at: index, "leading zeros are not allowed") }
        text.unicodeScalars.append(contentsOf: integerDigits)

        var cursor = afterInteger
        if scalar(at: cursor) == "." {
            let (fractionDigits, afterFraction) = try scanDigits(from: cursor + 1) { $0.isTOMLDigit }
            if fractionDigits.isEmpty { throw failure(at: cursor, "a decimal point must be followed by digits") }
            text += "."
            text.unicodeScalars.append(contentsOf: fractionDigits)
            cursor = afterFraction
        }
        if let marker = scalar(at: cursor), marker == "e" || marker == "E" {
            let exponentStart = cursor
            text += "e"
            cursor += 1
            if let sign = scalar(at: cursor), sign == "+" || sign == "-" {
                text.unicodeScalars.append(sign)
                cursor += 1
            }
            let (exponentDigits, afterExponent) = try scanDigits(from: cursor) { $0.isTOMLDigit }
            if exponentDigits.isEmpty { throw failure(at: exponentStart, "an exponent must be followed by digits") }
            text.unicodeScalars.append(contentsOf: exponentDigits)
            cursor = afterExponent
        }
        if cursor < token.count { throw failure(at: cursor, "invalid character \(TOMLText.describe(token[cursor])) in number") }
        guard let value = Double(text) else { throw failure(at: 0, "invalid float") }
        return value
    }

    /// Digits with single underscores between them; returns the digits
    /// without underscores and the index of the first scalar after them.
    private func scanDigits(from index: Int, isDigit: (Unicode.Scalar) -> Bool) throws(TOMLSyntaxError) -> ([Unicode.Scalar], Int) {
        var digits: [Unicode.Scalar] = []
        var cursor = index
        var previousWasDigit = false
        while cursor < token.count {
            let scalar = token[cursor]
            if scalar == "_" {
                guard previousWasDigit else { throw failure(at: cursor, "an underscore must be between digits") }
                previousWasDigit = false
            } else if isDigit(scalar) {
                digits.append(scalar)
                previousWasDigit = true
            } else {
                break
            }
            cursor += 1
        }
        if cursor > index, !previousWasDigit { throw failure(at: cursor - 1, "an underscore must be between digits") }
        return (digits, cursor)
    }

    private func scalar(at index: Int) -> Unicode.Scalar? {
        index >= 0 && index < token.count ? token[index] : nil
    }

    private func multiplyAdd(_ value: UInt64, _ factor: UInt64, _ addend: UInt64) -> UInt64? {
        let (product, productOverflow) = value.multipliedReportingOverflow(by: factor)
        let (sum, sumOverflow) = product.addingReportingOverflow(addend)
        return productOverflow || sumOverflow ? nil : sum
    }

    private func failure(at offset: Int, _ message: String) -> TOMLSyntaxError {
        TOMLSyntaxError(position: SourcePosition(line: start.line, column: start.column &+ offset), message: message)
    }
}
