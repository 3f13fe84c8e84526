import Foundation
import Testing
import TestSupport

/// Whether `text` holds a control character other than the line breaks
/// between lines: one that could move the cursor or recolour the terminal.
func hasRawControlCharacters(_ text: String) -> Bool {
    text.unicodeScalars.contains { ($0.value < 0x20 && $0 != "\n") || (0x7f...0x9f).contains($0.value) }
}

/// What the CLI echoes from binding files, arguments and the daemon's
/// answers reaches the terminal escaped (`\x1b`), as device strings do.
struct EscapingTests {
    @Test func checkEscapesKeysFileNamesAndValues() throws {
        let directory = try TemporaryDirectory()
        try directory.write("keys.toml", "\"\\u0008\\u001b[2J\" = 1\n[match]\nsubsystem = \"net\"\n")
        try directory.write("bell\u{7}.toml", "[match]\nsubsystem = \"net\"\n")
        let result = try HotplugdBinary.run("check", "--config", directory.path)
        #expect(result.status == 1)
        #expect(!hasRawControlCharacters(result.stderr), "\(result.stderr.debugDescription)")
        #expect(result.stderr.contains("unknown key '\\x08\\x1b[2J'"))
        #expect(result.stderr.contains("/bell\\x07.toml"))
    }

    @Test func checkSummaryOfValidBindingsIsEscaped() throws {
        let directory = try TemporaryDirectory()
        try directory.write("cable.toml", "[match]\nsubsystem = \"net\"\nkernel = \"x\\u001b[31m*\"\n[exec]\ncommand = [\"/bin/\\u009bsh\"]\n")
        let result = try HotplugdBinary.run("check", "--config", directory.path)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(!hasRawControlCharacters(result.stdout), "\(result.stdout.debugDescription)")
        #expect(result.stdout.contains("x\\x1b[31m*"))
        #expect(result.stdout.contains("run /bin/\\x9bsh"))
    }

    @Test func configPathIsEscapedInErrorsAndSummary() throws {
        let result = try HotplugdBinary.run("check", "--config", "/nonexistent/\u{1b}]0;owned\u{7}")
        #expect(result.status == 1)
        #expect(!hasRawControlCharacters(result.stderr), "\(result.stderr.debugDescription)")
        #expect(result.stderr.contains("/nonexistent/\\x1b]0;owned\\x07: 1 error"))
    }

    @Test func testEscapesADeviceItCannotFind() throws {
        let directory = try TemporaryDirectory()
        try directory.write("cable.toml", "[match]\nsubsystem = \"net\"\n")
        let result = try HotplugdBinary.run("test", "--config", directory.path, "nosuch\u{1b}[2J")
        #expect(result.status == 2)
        #expect(!hasRawControlCharacters(result.stderr), "\(result.stderr.debugDescription)")
        #expect(result.stderr.contains("no such device: 'nosuch\\x1b[2J'"))
    }
}

/// The daemon's answers quote the binding a client asked for.
@Suite(.needsUdevd, .serialized)
struct ControlEscapingTests {
    @Test func unknownBindingIsEscapedForStatusAndRestart() throws {
        let fixture = try DaemonFixture(prefix: "esa")
        defer { fixture.cleanUp() }
        try fixture.bindings(["idle.toml": "[match]\nsubsystem = \"net\"\nkernel = \"nomatch*\"\n"])
        try fixture.start()
        for command in ["status", "restart"] {
            let result = try fixture.client(command, "no\u{1b}[2Jpe\u{8}")
            #expect(result.status == 1)
            #expect(!hasRawControlCharacters(result.stderr), "\(command): \(result.stderr.debugDescription)")
            // Whoever refuses the name, client or daemon, quotes it escaped.
            #expect(result.stderr.contains("'no\\x1b[2Jpe\\x08'"), "\(command): \(result.stderr)")
        }
    }
}
