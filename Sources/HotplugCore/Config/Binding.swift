/// One binding file, validated: what to match, how to configure the link,
/// what to run. Built only by `BindingDecoder`, so every value here is valid.
public struct Binding: Sendable, Equatable {
    public var name: String
    public var file: String
    public var description: String?
    public var match: MatchRules
    public var link: LinkSettings?
    public var exec: ExecSettings?
    public var firewall: FirewallSettings?
    public var listen: ListenSettings?

    public init(name: String, file: String, description: String? = nil, match: MatchRules,
                link: LinkSettings? = nil, exec: ExecSettings? = nil, firewall: FirewallSettings? = nil,
                listen: ListenSettings? = nil) {
        self.name = name
        self.file = file
        self.description = description
        self.match = match
        self.link = link
        self.exec = exec
        self.firewall = firewall
        self.listen = listen
    }

    /// Wait after add before acting; lives in `[exec]` per the file format.
    public var settle: TimeSpan { exec?.settle ?? .zero }
}

public struct MatchRules: Sendable, Equatable {
    public var subsystem: PatternList
    public var devtype: PatternList?
    public var kernel: PatternList?
    public var driver: PatternList?
    public var usbVendor: PatternList?
    public var usbProduct: PatternList?
    public var usbSerial: PatternList?
    public var mac: PatternList?
    public var path: PatternList?
    public var tag: PatternList?
    public var properties: [KeyedPatterns]
    public var attributes: [KeyedPatterns]

    public init(subsystem: PatternList, devtype: PatternList? = nil, kernel: PatternList? = nil,
                driver: PatternList? = nil, usbVendor: PatternList? = nil, usbProduct: PatternList? = nil,
                usbSerial: PatternList? = nil, mac: PatternList? = nil, path: PatternList? = nil,
                tag: PatternList? = nil, properties: [KeyedPatterns] = [], attributes: [KeyedPatterns] = []) {
        self.subsystem = subsystem
        self.devtype = devtype
        self.kernel = kernel
        self.driver = driver
        self.usbVendor = usbVendor
        self.usbProduct = usbProduct
        self.usbSerial = usbSerial
        self.mac = mac
        self.path = path
        self.tag = tag
        self.properties = properties
        self.attributes = attributes
    }
}

public struct KeyedPatterns: Sendable, Equatable {
    public var key: String
    public var patterns: PatternList

    public init(key: String, patterns: PatternList) {
        self.key = key
        self.patterns = patterns
    }
}

public struct LinkSettings: Sendable, Equatable {
    public var name: InterfaceNameTemplate?
    public var mtu: UInt32?
    public var addresses: [IPPrefix]
    public var up: Bool
    /// Whether the file says `up` (rather than taking the default): a link
    /// whose up state the binding sets is kept from the network managers.
    public var upIsWritten: Bool
    /// `unmanaged`: keep NetworkManager and systemd-networkd off the link
    /// (true) or let them have it (false); nil takes `keepsManagersOff`'s default.
    public var unmanaged: Bool?

    public init(name: InterfaceNameTemplate? = nil, mtu: UInt32? = nil, addresses: [IPPrefix] = [], up: Bool = true,
                upIsWritten: Bool = false, unmanaged: Bool? = nil) {
        self.name = name
        self.mtu = mtu
        self.addresses = addresses
        self.up = up
        self.upIsWritten = upIsWritten
        self.unmanaged = unmanaged
    }
}

public enum RestartPolicy: String, Sendable, Equatable, CaseIterable {
    case no
    case onFailure = "on-failure"
    case always
}

public struct ExecSettings: Sendable, Equatable {
    public var command: [Template]
    public var environment: [(key: String, value: Template)]
    public var workingDirectory: String?
    public var user: String?
    public var group: String?
    public var restart: RestartPolicy
    /// The first delay before a restart; at least `minimumRestartDelay`,
    /// as systemd's RestartSec= defaults to, so a child that exits at once
    /// costs at most ten spawns a second.
    public var restartDelay: TimeSpan
    public static let minimumRestartDelay = TimeSpan.milliseconds(100)
    public var restartDelayMax: TimeSpan
    public var stopSignal: Signal
    public var stopTimeout: TimeSpan
    public var settle: TimeSpan
    /// Children per device; each gets `{instance}` = 0..<instances.
    public var instances: Int = 1

    public static let maximumInstances: Int64 = 256

    public init(command: [Template], environment: [(key: String, value: Template)] = [],
                workingDirectory: String? = nil, user: String? = nil, group: String? = nil,
                restart: RestartPolicy = .onFailure, restartDelay: TimeSpan = .milliseconds(500),
                restartDelayMax: TimeSpan = .seconds(30), stopSignal: Signal = .terminate,
                stopTimeout: TimeSpan = .seconds(5), settle: TimeSpan = .zero) {
        self.command = command
        self.environment = environment
        self.workingDirectory = workingDirectory
        self.user = user
        self.group = group
        self.restart = restart
        self.restartDelay = restartDelay
        self.restartDelayMax = restartDelayMax
        self.stopSignal = stopSignal
        self.stopTimeout = stopTimeout
        self.settle = settle
    }

    public static func == (lhs: ExecSettings, rhs: ExecSettings) -> Bool {
        lhs.command == rhs.command
            && lhs.environment.map(\.key) == rhs.environment.map(\.key)
            && lhs.environment.map(\.value) == rhs.environment.map(\.value)
            && lhs.workingDirectory == rhs.workingDirectory && lhs.user == rhs.user && lhs.group == rhs.group
            && lhs.restart == rhs.restart && lhs.restartDelay == rhs.restartDelay
            && lhs.restartDelayMax == rhs.restartDelayMax && lhs.stopSignal == rhs.stopSignal
            && lhs.stopTimeout == rhs.stopTimeout && lhs.settle == rhs.settle && lhs.instances == rhs.instances
    }
}
