/// What the firewall stage asks the shell to install for one binding on
/// one interface. Keyed by the attachment: the teardown names only that.
public struct FirewallRequest: Sendable, Equatable {
    /// The interface the rules match; nil only for a device the kernel
    /// reported without one, which the shell refuses (fail closed).
    public var ifindex: Int32?
    public var binding: String
    public var settings: FirewallSettings

    public init(ifindex: Int32?, binding: String, settings: FirewallSettings) {
        self.ifindex = ifindex
        self.binding = binding
        self.settings = settings
    }
}
