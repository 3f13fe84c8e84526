import Glibc

/// Sets process environment variables for the length of a test and puts back
/// what was there before. The environment is the whole process's: only tests
/// in one `.serialized` suite may use this, and nothing else in the test
/// process reads these variables.
enum ProcessEnvironment {
    /// nil in `values` unsets the variable for the duration.
    static func with<Result>(_ values: [String: String?], _ body: () throws -> Result) rethrows -> Result {
        var saved: [String: String?] = [:]
        for name in values.keys { saved[name] = getenv(name).map { String(cString: $0) } }
        defer { apply(saved) }
        apply(values)
        return try body()
    }

    private static func apply(_ values: [String: String?]) {
        for (name, value) in values {
            if let value { setenv(name, value, 1) } else { unsetenv(name) }
        }
    }
}
