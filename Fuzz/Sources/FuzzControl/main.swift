import FuzzSupport
import HotplugCore

/// Any bytes as a control-socket request line; a parsed request must
/// survive a round trip through its own line.
runFuzzer { data, size in
    let line = String(decoding: fuzzBytes(data, size), as: UTF8.self)
    guard let request = try? ControlRequest(parsing: line) else { return 0 }
    guard let again = try? ControlRequest(parsing: request.line), again == request else {
        fatalError("request does not round-trip: \(request)")
    }
    return 0
}
