extension Printable {
    /// One argument in double quotes, readable back without ambiguity: a
    /// quote or backslash inside gets a backslash (so `say "hi"` does not
    /// look like three arguments), control characters become `\xNN`.
    public static func quoted(_ text: String) -> String {
        var inner = ""
        for scalar in text.unicodeScalars {
            if scalar == "\"" || scalar == "\\" { inner += "\\" }
            inner.unicodeScalars.append(scalar)
        }
        return "\"" + escaped(inner) + "\""
    }
}
