/// One binding file's path and text, read by the shell and handed to the core.
public struct ConfigSource: Sendable, Equatable {
    public var path: String
    public var text: String

    public init(path: String, text: String) {
        self.path = path
        self.text = text
    }

    /// The binding's name: the file name without `.toml`.
    public var bindingName: String {
        let file = path.split(separator: "/").last.map(String.init) ?? path
        return file.hasSuffix(".toml") ? String(file.dropLast(5)) : file
    }
}
