/// Bounds on nesting, so hostile input cannot exhaust the stack: parsing
/// arrays and inline tables recurses, and so do building, comparing and
/// destroying the finished tree.
enum TOMLNestingLimits {
    /// Arrays and inline tables inside one value.
    static let maxContainerDepth = 64
    /// Containers of any kind between the root and a value, counting tables
    /// made by headers and dotted keys.
    static let maxTreeDepth = 256

    static let message = "nesting too deep"
}
