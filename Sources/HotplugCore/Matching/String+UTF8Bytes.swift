extension String {
    /// Runs `body` over the string's UTF-8 bytes where they are: native
    /// strings are contiguous, and a small string is spilled to the stack.
    /// Unlike `withUTF8`, which is mutating, it needs no copy of the String
    /// (a retain and a release) per call.
    @inline(__always)
    func withUTF8Bytes<Result>(_ body: (UnsafeBufferPointer<UInt8>) -> Result) -> Result {
        if let result = utf8.withContiguousStorageIfAvailable(body) { return result }
        var contiguous = self
        return contiguous.withUTF8(body)
    }
}
