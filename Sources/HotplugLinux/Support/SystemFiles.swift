import Glibc

/// The few raw file and error helpers every part of the shell needs, in
/// one place: directory listings, small /proc and sysfs reads, errno text.
enum SystemFiles {
    /// The names in a directory, without `.` and `..`; nil when it cannot be
    /// opened. With `strictUTF8`, also nil when a name is not valid UTF-8,
    /// for callers that make paths from the names (a repaired name would
    /// not be the entry's).
    static func entries(of directory: String, strictUTF8: Bool = false) -> [String]? {
        guard let handle = opendir(directory) else { return nil }
        defer { closedir(handle) }
        var names: [String] = []
        while let entry = readdir(handle) {
            let name: String? = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                let bytes = raw.prefix { $0 != 0 }
                return strictUTF8 ? String(validating: bytes, as: UTF8.self) : String(decoding: bytes, as: UTF8.self)
            }
            guard let name else { return nil }
            if name != ".", name != ".." { names.append(name) }
        }
        return names
    }

    /// Where a symbolic link points, as bytes (a sysfs class link, a /proc
    /// fd link); nil when it is not a link or its target is longer than
    /// `limit` bytes.
    static func linkTarget(_ path: String, limit: Int = Int(PATH_MAX)) -> [UInt8]? {
        var buffer = [UInt8](repeating: 0, count: limit + 1)
        let count = buffer.withUnsafeMutableBufferPointer { raw in
            raw.baseAddress!.withMemoryRebound(to: CChar.self, capacity: raw.count) { readlink(path, $0, raw.count) }
        }
        guard count > 0, count <= limit else { return nil }
        return Array(buffer[..<count])
    }

    /// The first 4 KiB of a file (a /proc status line, a record of ours).
    static func readSmall(_ path: String) -> String? {
        guard let file = try? FileDescriptor.open(path, O_RDONLY) else { return nil }
        var buffer = [UInt8](repeating: 0, count: 4096)
        let count = buffer.withUnsafeMutableBytes { read(file.rawValue, $0.baseAddress, $0.count) }
        guard count > 0 else { return nil }
        return String(decoding: buffer[0..<count], as: UTF8.self)
    }

    /// Up to `limit` bytes of a file (a /proc environ), as bytes; nil when
    /// it cannot be opened or read.
    static func readBounded(_ path: String, limit: Int) -> [UInt8]? {
        guard let file = try? FileDescriptor.open(path, O_RDONLY) else { return nil }
        var bytes = [UInt8](repeating: 0, count: limit)
        var total = 0
        while total < limit {
            let count = bytes.withUnsafeMutableBytes { read(file.rawValue, $0.baseAddress! + total, limit - total) }
            if count < 0, errno == EINTR { continue }
            if count < 0 { return nil }
            if count == 0 { break }
            total += count
        }
        return Array(bytes[..<total])
    }

    /// Whether any line of a text file (a /proc table) satisfies `test`; nil
    /// when the file cannot be opened or read. Reads in 64 KiB chunks; a line
    /// longer than `maxLineBytes` is skipped, so a huge or hostile file costs
    /// bounded memory.
    static func anyLine(of path: String, maxLineBytes: Int = 4096, where test: (Substring) -> Bool) -> Bool? {
        guard let file = try? FileDescriptor.open(path, O_RDONLY) else { return nil }
        var chunk = [UInt8](repeating: 0, count: 65536)
        var line: [UInt8] = []
        var overlong = false
        while true {
            let count = chunk.withUnsafeMutableBytes { read(file.rawValue, $0.baseAddress, $0.count) }
            if count < 0, errno == EINTR { continue }
            if count < 0 { return nil }
            guard count > 0 else { break }
            for byte in chunk[0..<count] {
                if byte == UInt8(ascii: "\n") {
                    if !overlong, test(Substring(String(decoding: line, as: UTF8.self))) { return true }
                    line.removeAll(keepingCapacity: true)
                    overlong = false
                } else if line.count < maxLineBytes {
                    line.append(byte)
                } else {
                    overlong = true
                }
            }
        }
        return !overlong && !line.isEmpty && test(Substring(String(decoding: line, as: UTF8.self)))
    }
}

/// strerror() text for an errno value. glibc's strerror returns static text
/// for known values and a thread-local buffer for unknown ones.
func errnoText(_ code: Int32 = errno) -> String {
    guard let text = strerror(code) else { return "errno \(code)" }
    return String(cString: text)
}
