extension MatchProgram {
    /// Compiles bindings, in order, into the program's arrays.
    struct Builder {
        fileprivate(set) var pool = PatternPool()
        fileprivate(set) var checks: [Check] = []
        fileprivate(set) var runs: [Run] = []
        fileprivate(set) var names = FactNames()

        /// Adds the next binding. `settledList` is the list the index settles
        /// (identical, not just equal: a binding may repeat a key); when
        /// `subsystemSettled`, its subsystem is literal and settled too.
        mutating func append(_ rules: MatchRules, settledList: PatternList?, subsystemSettled: Bool) {
            var settled: [Check] = [], rest: [Check] = []
            for (fact, list) in keyedLists(rules) {
                let check = Check(fact: fact, list: pool.add(list), trimsValue: !list.endsInWhitespace)
                if list === settledList || (subsystemSettled && list === rules.subsystem) {
                    settled.append(check)
                } else {
                    rest.append(check)
                }
            }
            let start = checks.count
            checks += settled + rest
            runs.append(Run(checks: start..<checks.count, settled: settled.count))
        }

        /// The rules' keys, cheap ones first: the device's own fields and the
        /// event view, then dictionary lookups, then walks up the parent chain.
        /// Most candidates fail, and should fail early.
        private mutating func keyedLists(_ rules: MatchRules) -> [(Fact, PatternList)] {
            var lists: [(Fact, PatternList?)] = [
                (.subsystem, rules.subsystem), (.devtype, rules.devtype), (.kernel, rules.kernel),
                (.usbVendor, rules.usbVendor), (.usbProduct, rules.usbProduct), (.usbSerial, rules.usbSerial),
                (.mac, rules.mac), (.path, rules.path), (.tag, rules.tag),
            ]
            lists += rules.properties.map { (.property(names.index(of: $0.key)), $0.patterns) }
            lists.append((.driver, rules.driver))
            lists += rules.attributes.map { (.attribute(names.index(of: $0.key)), $0.patterns) }
            return lists.compactMap { fact, list in list.map { (fact, $0) } }
        }
    }
}
