/// Walks a document one Unicode scalar at a time and knows the line and
/// column of the scalar it is looking at.
struct TOMLCursor {
    private let scalars: [Unicode.Scalar]
    private(set) var index = 0
    private(set) var position = SourcePosition(line: 1, column: 1)

    init(_ text: String) {
        var scalars = Array(text.unicodeScalars)
        // Some editors prepend a byte-order mark; it is not part of the document.
        if scalars.first == "\u{FEFF}" { scalars.removeFirst() }
        self.scalars = scalars
    }

    var isAtEnd: Bool { index >= scalars.count }

    /// The scalar `offset` places ahead, or nil past the end.
    func peek(_ offset: Int = 0) -> Unicode.Scalar? {
        let (target, overflow) = index.addingReportingOverflow(offset)
        guard !overflow, target >= 0, target < scalars.count else { return nil }
        return scalars[target]
    }

    mutating func advance() {
        guard index < scalars.count else { return }
        if scalars[index] == "\n" {
            position.line &+= 1
            position.column = 1
        } else {
            position.column &+= 1
        }
        index += 1
    }

    mutating func advance(by count: Int) {
        var remaining = count
        while remaining > 0 {
            advance()
            remaining -= 1
        }
    }

    /// The text from `start` up to the current scalar.
    func text(from start: Int) -> String {
        guard start >= 0, start <= index else { return "" }
        var view = String.UnicodeScalarView()
        view.append(contentsOf: scalars[start..<index])
        return String(view)
    }

    func error(_ message: String) -> TOMLSyntaxError {
        TOMLSyntaxError(position: position, message: message)
    }
}
