import Glibc

/// libnftables, loaded at the first use of `[firewall]` rather than linked:
/// it and the libraries it pulls in (libnftnl, libmnl, jansson, gmp,
/// xtables, ...) cost about 1.5 MiB of resident memory in every daemon,
/// most of which run no firewall binding. Only the few functions `Nftables`
/// calls are resolved.
struct NftablesLibrary: @unchecked Sendable {
    /// The soname Debian's libnftables1 package installs.
    static let soname = "libnftables.so.1"
    static let package = "libnftables1"

    typealias ContextNew = @convention(c) (UInt32) -> OpaquePointer?
    typealias ContextFree = @convention(c) (OpaquePointer) -> Void
    typealias BufferOn = @convention(c) (OpaquePointer) -> Int32
    typealias BufferGet = @convention(c) (OpaquePointer) -> UnsafePointer<CChar>?
    typealias RunFromBuffer = @convention(c) (OpaquePointer, UnsafePointer<CChar>) -> Int32

    let contextNew: ContextNew
    let contextFree: ContextFree
    let bufferOutput: BufferOn
    let bufferError: BufferOn
    let outputBuffer: BufferGet
    let errorBuffer: BufferGet
    let runFromBuffer: RunFromBuffer

    /// Loaded once per process, on first use; never unloaded (a context may
    /// outlive any one user).
    static let shared: Result<NftablesLibrary, NftablesError> = load()

    static func load() -> Result<NftablesLibrary, NftablesError> {
        guard let handle = dlopen(soname, RTLD_NOW | RTLD_LOCAL) else {
            let reason = dlerror().map { String(cString: $0) } ?? "not found"
            return .failure(NftablesError(
                "[firewall] needs \(soname), which cannot be loaded (\(reason)): install the \(package) package"))
        }
        func symbol<T>(_ name: String, as type: T.Type) throws(NftablesError) -> T {
            guard let address = dlsym(handle, name) else {
                throw NftablesError("\(soname) has no \(name): install a \(package) of nftables 0.9.3 or later")
            }
            return unsafeBitCast(address, to: type)
        }
        do throws(NftablesError) {
            return .success(NftablesLibrary(
                contextNew: try symbol("nft_ctx_new", as: ContextNew.self),
                contextFree: try symbol("nft_ctx_free", as: ContextFree.self),
                bufferOutput: try symbol("nft_ctx_buffer_output", as: BufferOn.self),
                bufferError: try symbol("nft_ctx_buffer_error", as: BufferOn.self),
                outputBuffer: try symbol("nft_ctx_get_output_buffer", as: BufferGet.self),
                errorBuffer: try symbol("nft_ctx_get_error_buffer", as: BufferGet.self),
                runFromBuffer: try symbol("nft_run_cmd_from_buffer", as: RunFromBuffer.self)))
        } catch {
            return .failure(error)
        }
    }
}
