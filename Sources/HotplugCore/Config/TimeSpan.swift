/// A non-negative span of time with nanosecond resolution, as written in
/// bindings: `500ms`, `5s`, `2m`, `1h`, `1.5s`, `0`.
public struct TimeSpan: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var nanoseconds: UInt64

    public init(nanoseconds: UInt64) { self.nanoseconds = nanoseconds }

    public static let zero = TimeSpan(nanoseconds: 0)
    public static func milliseconds(_ value: UInt64) -> TimeSpan { TimeSpan(nanoseconds: value &* 1_000_000) }
    public static func seconds(_ value: UInt64) -> TimeSpan { TimeSpan(nanoseconds: value &* 1_000_000_000) }

    public static func < (lhs: TimeSpan, rhs: TimeSpan) -> Bool { lhs.nanoseconds < rhs.nanoseconds }

    public var milliseconds: UInt64 { nanoseconds / 1_000_000 }

    /// Parses `NUMBER UNIT` with units ms, s, m/min, h; a bare `0` is allowed.
    /// At most 24h: longer spans in a hotplug binding are typos.
    public init?(parsing text: String) {
        let units: [(suffix: String, nanoseconds: Double)] = [
            ("ms", 1e6), ("min", 60e9), ("s", 1e9), ("m", 60e9), ("h", 3600e9),
        ]
        if text == "0" { self = .zero; return }
        for unit in units where text.hasSuffix(unit.suffix) {
            let number = String(text.dropLast(unit.suffix.count))
            guard !number.isEmpty, number.allSatisfy({ $0.isASCII && ($0.isNumber || $0 == ".") }),
                  number.first != ".", number.last != ".",
                  let value = Double(number) else { return nil }
            let total = value * unit.nanoseconds
            guard total <= 86_400e9 else { return nil }
            self.nanoseconds = UInt64(total)
            return
        }
        return nil
    }

    public var description: String {
        let ms = nanoseconds / 1_000_000
        if ms == 0 { return nanoseconds == 0 ? "0s" : "\(nanoseconds)ns" }
        if ms % 3_600_000 == 0 { return "\(ms / 3_600_000)h" }
        if ms % 60_000 == 0 { return "\(ms / 60_000)m" }
        if ms % 1000 == 0 { return "\(ms / 1000)s" }
        return "\(ms)ms"
    }
}
