import CNftables

/// One libnftables context. `run` sends a batch of commands as one
/// netlink transaction: the kernel applies all of it or none of it.
///
/// Not thread-safe; the daemon's loop thread owns it.
public final class Nftables {
    private let context: OpaquePointer

    public init() throws(NftablesError) {
        guard let context = nft_ctx_new(UInt32(NFT_CTX_DEFAULT)) else {
            throw NftablesError("nft_ctx_new failed (out of memory?)")
        }
        self.context = context
        // Buffered, so the library's messages come back to us instead of
        // going to our stderr unlabelled.
        _ = nft_ctx_buffer_output(context)
        _ = nft_ctx_buffer_error(context)
    }

    deinit { nft_ctx_free(context) }

    /// Applies `batch` atomically; throws nftables' own error text.
    public func run(_ batch: String) throws(NftablesError) {
        _ = try output(batch)
    }

    /// Runs `commands` and returns what nft printed (a listing).
    @discardableResult
    func output(_ commands: String) throws(NftablesError) -> String {
        let status = nft_run_cmd_from_buffer(context, commands)
        // Read both buffers every time: each read also empties them.
        let output = nft_ctx_get_output_buffer(context).map { String(cString: $0) } ?? ""
        let errors = nft_ctx_get_error_buffer(context).map { String(cString: $0) } ?? ""
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
