import CNftables

/// One libnftables context. `run` sends a batch of commands as one
/// netlink transaction: the kernel applies all of it or none of it.
///
/// Not thread-safe; the daemon's loop thread owns it.
/// The library is loaded by the first context (`NftablesLibrary`).
public final class Nftables {
    private let library: NftablesLibrary
    private let context: OpaquePointer

    public init() throws(NftablesError) {
        library = try NftablesLibrary.shared.get()
        guard let context = library.contextNew(UInt32(NFT_CTX_DEFAULT)) else {
            throw NftablesError("nft_ctx_new failed (out of memory?)")
        }
        self.context = context
        // Buffered, so the library's messages come back to us instead of
        // going to our stderr unlabelled.
        _ = library.bufferOutput(context)
        _ = library.bufferError(context)
    }

    deinit { library.contextFree(context) }

    /// Applies `batch` atomically; throws nftables' own error text.
    public func run(_ batch: String) throws(NftablesError) {
        _ = try output(batch)
    }

    /// Runs `commands` and returns what nft printed (a listing).
    @discardableResult
    func output(_ commands: String) throws(NftablesError) -> String {
        let status = library.runFromBuffer(context, commands)
        // Read both buffers every time: each read also empties them.
        let output = library.outputBuffer(context).map { String(cString: $0) } ?? ""
        let errors = library.errorBuffer(context).map { String(cString: $0) } ?? ""
        guard status == 0 else {
            let text = errors.split(separator: "\n").filter { !$0.isEmpty }.prefix(4).joined(separator: " / ")
            throw NftablesError(text.isEmpty ? "nftables refused the batch (status \(status))" : text)
        }
        return output
    }
}

public struct NftablesError: Error, Sendable, Equatable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
