extension Dictionary where Key == String {
    /// `self[key]`, found by comparing the keys in turn when there are only
    /// a few, as in the sysfs attributes of one device: cheaper than hashing
    /// the key (SipHash, some hundreds of instructions per lookup), and the
    /// same answer, since the dictionary too decides by `==` among its keys,
    /// which are distinct under it.
    @inline(__always)
    func value(for key: String) -> Value? {
        guard count <= 4 else { return self[key] }
        for index in indices where keys[index] == key { return values[index] }
        return nil
    }
}
