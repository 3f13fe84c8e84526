/// `[listen]`: the sockets hotplugd opens for a binding on each device and
/// hands to its children as systemd's socket activation does.
public struct ListenSettings: Sendable, Equatable {
    public var stream: [ListenAddress]
    public var datagram: [ListenAddress]
    /// SO_BINDTODEVICE to the device's interface.
    public var bindToDevice: Bool
    public var mode: ListenMode
    public var backlog: Int32
    /// The LISTEN_FDNAMES entry of every socket.
    public var name: String

    public init(stream: [ListenAddress] = [], datagram: [ListenAddress] = [], bindToDevice: Bool = true,
                mode: ListenMode = .shared, backlog: Int32 = 128, name: String) {
        self.stream = stream
        self.datagram = datagram
        self.bindToDevice = bindToDevice
        self.mode = mode
        self.backlog = backlog
        self.name = name
    }

    /// Every socket in the order the child receives them, from fd 3 on:
    /// the stream sockets first, then the datagram ones, each as written.
    public var sockets: [ListenSocket] {
        stream.map { ListenSocket(kind: .stream, address: $0) } + datagram.map { ListenSocket(kind: .datagram, address: $0) }
    }

    /// systemd passes at most this many; more is surely a mistake.
    public static let maximumSockets = 64
    public static let maximumBacklog: Int64 = 65535
}

public enum ListenMode: String, Sendable, Equatable, CaseIterable {
    /// Every instance gets the same sockets: a worker that dies leaves the
    /// others accepting on them.
    case shared
    /// Each instance gets sockets of its own in one SO_REUSEPORT group: the
    /// kernel spreads connections over the workers.
    case reuseport
}

public struct ListenSocket: Sendable, Hashable, CustomStringConvertible {
    public enum Kind: String, Sendable { case stream, datagram }
    public var kind: Kind
    public var address: ListenAddress

    public var description: String { "\(kind.rawValue) \(address)" }
}

/// "PORT" (every address), "ADDR:PORT" or "[ADDR6]:PORT".
public struct ListenAddress: Sendable, Hashable, CustomStringConvertible {
    public enum Host: Sendable, Hashable {
        /// IPv6 and IPv4 alike (a dual-stack socket on `::`).
        case any
        case ipv4([UInt8])
        case ipv6([UInt8])
    }

    public var host: Host
    public var port: UInt16

    public init(host: Host, port: UInt16) {
        self.host = host
        self.port = port
    }

    public enum ParseError: Error, Equatable { case syntax, badPort, badAddress }

    public init(parsing text: String) throws(ParseError) {
        let portText: Substring
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]"), text[text.index(after: close)...].hasPrefix(":") else { throw .syntax }
            let inside = text[text.index(after: text.startIndex)..<close]
            guard let address = IPAddressParser.parseIPv6(ArraySlice(inside.utf8)) else { throw .badAddress }
            host = .ipv6(address)
            portText = text[text.index(close, offsetBy: 2)...]
        } else if let colon = text.lastIndex(of: ":") {
            let before = text[..<colon]
            guard !before.contains(":") else { throw .syntax }
            guard let address = IPAddressParser.parseIPv4(ArraySlice(before.utf8)) else { throw .badAddress }
            host = .ipv4(address)
            portText = text[text.index(after: colon)...]
        } else {
            host = .any
            portText = text[...]
        }
        guard !portText.isEmpty, portText.utf8.allSatisfy({ (0x30...0x39).contains($0) }), portText.utf8.count <= 5,
              let value = Int(portText) else { throw .syntax }
        guard (1...65535).contains(value) else { throw .badPort }
        port = UInt16(value)
    }

    public var description: String {
        switch host {
        case .any: "\(port)"
        case .ipv4(let bytes): "\(IPAddressFormatter.formatIPv4(bytes)):\(port)"
        case .ipv6(let bytes): "[\(IPAddressFormatter.formatIPv6(bytes))]:\(port)"
        }
    }
}
