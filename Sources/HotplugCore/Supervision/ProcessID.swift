/// A child's process id as the core sees it, and the id of the process
/// group it leads (the same number: every child starts its own session).
/// A type of its own so that a pid is never taken for an ifindex, an exit
/// code or a signal number, and the shell's maps say what they are keyed by.
public struct ProcessID: RawRepresentable, Sendable, Hashable, Comparable, CustomStringConvertible,
                         ExpressibleByIntegerLiteral {
    public var rawValue: Int32

    public init(rawValue: Int32) { self.rawValue = rawValue }
    public init(_ rawValue: Int32) { self.rawValue = rawValue }
    public init(integerLiteral value: Int32) { rawValue = value }

    public static func < (lhs: ProcessID, rhs: ProcessID) -> Bool { lhs.rawValue < rhs.rawValue }

    public var description: String { String(rawValue) }
}
