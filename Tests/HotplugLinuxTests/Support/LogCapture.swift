import Foundation
import Logging

/// Every message logged through `logger`, in order, for a test to read.
final class LogCapture: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: [String] = []

    var messages: [String] { lock.withLock { stored } }
    func append(_ message: String) { lock.withLock { stored.append(message) } }
    func contains(_ text: String) -> Bool { messages.contains { $0.contains(text) } }

    var logger: Logger { Logger(label: "test") { [self] _ in CapturingLogHandler(capture: self) } }
}

private struct CapturingLogHandler: LogHandler {
    let capture: LogCapture
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) { capture.append(event.message.description) }
}
