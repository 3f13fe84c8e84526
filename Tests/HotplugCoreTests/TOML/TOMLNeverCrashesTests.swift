import HotplugCore
import Testing

/// The parser is fuzzed; here a deterministic slice of that: random bytes,
/// cut and mutated valid documents, and pathological nesting. Each input
/// must parse or throw, with a sensible position if it throws.
@Suite struct TOMLNeverCrashesTests {
    /// Bytes that steer random input into the grammar's corners.
    private static let grammarBytes = Array("[]{}=\",.'#\n\r\t \\_+-:0123456789abexoifnutrTZ\u{7}\u{0}".utf8)

    private static func survives(_ text: String) -> Bool {
        do {
            _ = try TOMLParser.parse(text)
            return true
        } catch {
            return error.position.line >= 1 && error.position.column >= 1 && !error.message.isEmpty
        }
    }

    @Test func randomBytes() {
        var random = SeededGenerator(seed: 0x5EED)
        var failures: [String] = []
        for _ in 0..<10_000 {
            let length = Int.random(in: 0...48, using: &random)
            let bytes = (0..<length).map { _ -> UInt8 in
                Bool.random(using: &random)
                    ? Self.grammarBytes.randomElement(using: &random) ?? 0
                    : UInt8.random(in: 0...255, using: &random)
            }
            let text = String(decoding: bytes, as: UTF8.self)
            if !Self.survives(text) { failures.append(text) }
        }
        #expect(failures.isEmpty)
    }

    @Test func truncatedAndMutatedDocuments() {
        var random = SeededGenerator(seed: 42)
        var failures: [String] = []
        var cases = 0
        for document in TOMLSampleDocuments.all {
            let scalars = Array(document.unicodeScalars)
            for end in 0...scalars.count {
                cases += 1
                let text = String(String.UnicodeScalarView(scalars[..<end]))
                if !Self.survives(text) { failures.append(text) }
            }
        }
        let grammarScalars = Self.grammarBytes.map { Unicode.Scalar($0) }
        while cases < 10_000 {
            cases += 1
            guard let document = TOMLSampleDocuments.all.randomElement(using: &random) else { break }
            var scalars = Array(document.unicodeScalars)
            for _ in 0..<Int.random(in: 1...4, using: &random) {
                let index = Int.random(in: 0..<scalars.count, using: &random)
                let scalar = grammarScalars.randomElement(using: &random) ?? " "
                switch Int.random(in: 0..<3, using: &random) {
                case 0: scalars[index] = scalar
                case 1: scalars.insert(scalar, at: index)
                default: scalars.remove(at: index)
                }
            }
            let text = String(String.UnicodeScalarView(scalars))
            if !Self.survives(text) { failures.append(text) }
        }
        #expect(failures.isEmpty)
    }

    @Test(arguments: [
        String(repeating: "[", count: 100_000),
        "a = " + String(repeating: "[", count: 100_000),
        "a = " + String(repeating: "{b=", count: 100_000),
        "a = " + String(repeating: "[{b=", count: 50_000),
        "[" + Array(repeating: "a", count: 20_000).joined(separator: ".") + "]",
        Array(repeating: "a", count: 20_000).joined(separator: ".") + " = 1",
        "a = {" + Array(repeating: "a", count: 20_000).joined(separator: ".") + " = 1}",
        String(repeating: "[[a]]\n", count: 5_000),
        String(repeating: "\"", count: 10_000),
        "a = \"\"\"" + String(repeating: "\\", count: 10_000),
        "a = " + String(repeating: "9", count: 10_000),
        "a = 1e" + String(repeating: "9", count: 10_000),
        "a = 0." + String(repeating: "0", count: 10_000) + "1",
    ])
    func pathologicalInput(_ text: String) {
        #expect(Self.survives(text))
    }

    @Test func deepKeysAreRejected() {
        let header = "[" + Array(repeating: "a", count: 300).joined(separator: ".") + "]"
        #expect(throws: TOMLSyntaxError.self) { try TOMLParser.parse(header) }
        let dotted = Array(repeating: "a", count: 300).joined(separator: ".") + " = 1"
        #expect(throws: TOMLSyntaxError.self) { try TOMLParser.parse(dotted) }
    }
}
