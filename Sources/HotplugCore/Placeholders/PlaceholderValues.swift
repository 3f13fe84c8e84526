/// The value of each placeholder for one device, once its interface name is known.
public struct PlaceholderValues: Sendable {
    public var device: DeviceFacts
    public var bindingName: String
    public var interface: String?
    /// Which child of the binding's `instances` this is.
    public var instance: Int

    public init(device: DeviceFacts, bindingName: String, interface: String?, instance: Int = 0) {
        self.device = device
        self.bindingName = bindingName
        self.interface = interface
        self.instance = instance
    }

    public func value(_ placeholder: Placeholder) -> String? {
        switch placeholder {
        case .interface: interface ?? device.interfaceName
        case .devnode: device.devnode
        case .devpath: device.devpath
        case .syspath: device.syspath
        case .sysname: device.sysname
        case .subsystem: device.subsystem
        case .binding: bindingName
        case .usbVendor: device.nearestUSBDevice?.attributes["idVendor"]
        case .usbProduct: device.nearestUSBDevice?.attributes["idProduct"]
        case .usbSerial: device.nearestUSBDevice?.attributes["serial"]
        case .property(let key): device.properties[key]
        case .attribute(let key): device.chain.lazy.compactMap { $0.attributes[key] }.first
        case .instance: String(instance)
        case .index: nil
        }
    }

    public func expand(_ template: Template) -> String { template.expand(value) }
}
