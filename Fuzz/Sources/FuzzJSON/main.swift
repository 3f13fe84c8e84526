import FuzzSupport
import HotplugCore

/// Any bytes as the JSON that `status` and the control client read from the
/// socket: the parser must not crash or recurse without bound, and a value
/// it accepts must survive a round trip through the daemon's own writer.
runFuzzer { data, size in
    let text = String(decoding: fuzzBytes(data, size), as: UTF8.self)
    guard let value = JSONValue(parsing: text) else { return 0 }
    guard let again = JSONValue(parsing: value.serialized()), again == value else {
        fatalError("JSON does not round-trip: \(value.serialized())")
    }
    return 0
}
