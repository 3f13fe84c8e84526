import HotplugCore

/// What can be trusted of a record that is not whole: one left empty by an
/// older daemon, or cut off by a crash between creating the file and
/// finishing the write. Only complete lines count (a line cut off mid-number
/// would read as another number); the fields come in the record's order, so
/// the first line that is missing or wrong ends what is known.
struct ChildRecordFragment: Sendable, Equatable {
    var daemonKey: String?
    var daemon: ProcessIdentity?
    var child: ProcessIdentity?
    var stop: StopSequence?
    var binding: String?

    /// Nil for text that is not the start of a record in this format.
    init?(parsing text: String) {
        guard let lastNewline = text.lastIndex(of: "\n") else {
            // Nothing complete: empty, or cut off inside the header.
            guard ChildRecord.header.hasPrefix(text) else { return nil }
            return
        }
        var lines = text[..<lastNewline].split(separator: "\n", omittingEmptySubsequences: false)[...]
        guard lines.popFirst() == Substring(ChildRecord.header) else { return nil }
        guard let line = lines.popFirst() else { return }
        guard let daemonKey = ChildRecord.field("instance", line) else { return nil }
        self.daemonKey = daemonKey
        guard let line = lines.popFirst() else { return }
        guard let daemon = ChildRecord.identity(ChildRecord.field("daemon", line)) else { return nil }
        self.daemon = daemon
        guard let line = lines.popFirst() else { return }
        guard let child = ChildRecord.identity(ChildRecord.field("child", line)) else { return nil }
        self.child = child
        guard let line = lines.popFirst() else { return }
        guard let stop = ChildRecord.stop(ChildRecord.field("stop", line)) else { return nil }
        self.stop = stop
        guard let line = lines.popFirst() else { return }
        binding = ChildRecord.field("binding", line)
    }
}
