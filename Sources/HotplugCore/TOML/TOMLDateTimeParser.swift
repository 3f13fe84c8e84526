/// Offset and local date-times, local dates and local times (RFC 3339 as
/// TOML 1.0 restricts it: seconds are required). The value keeps its text.
extension TOMLCursor {
    /// "YYYY-" or "HH:" starts a date or a time; plain numbers never do.
    var isAtDateTime: Bool {
        func isDigit(_ offset: Int) -> Bool { peek(offset)?.isTOMLDigit ?? false }
        let isDate = isDigit(0) && isDigit(1) && isDigit(2) && isDigit(3) && peek(4) == "-"
        let isTime = isDigit(0) && isDigit(1) && peek(2) == ":"
        return isDate || isTime
    }

    mutating func parseDateTime() throws(TOMLSyntaxError) -> TOMLValue {
        let startIndex = index
        if peek(2) == ":" {
            try parseTime()
        } else {
            try parseDate()
            if isAtTimeAfterDate {
                advance()
                try parseTime()
                try parseOffsetIfPresent()
            }
        }
        return .datetime(text(from: startIndex))
    }

    private var isAtTimeAfterDate: Bool {
        switch peek() {
        case "T", "t": true
        // A space also separates date and time, but only when a time follows.
        case " ": (peek(1)?.isTOMLDigit ?? false) && (peek(2)?.isTOMLDigit ?? false) && peek(3) == ":"
        default: false
        }
    }

    private mutating func parseDate() throws(TOMLSyntaxError) {
        let expected = "invalid date, expected YYYY-MM-DD"
        let year = try readDigits(4, orFail: expected)
        try expect("-", orFail: expected)
        let monthPosition = position
        let month = try readDigits(2, orFail: expected)
        try expect("-", orFail: expected)
        let dayPosition = position
        let day = try readDigits(2, orFail: expected)
        guard (1...12).contains(month) else {
            throw TOMLSyntaxError(position: monthPosition, message: "month out of range")
        }
        guard day >= 1, day <= Self.daysIn(month: month, year: year) else {
            throw TOMLSyntaxError(position: dayPosition, message: "day out of range")
        }
    }

    private mutating func parseTime() throws(TOMLSyntaxError) {
        let expected = "invalid time, expected HH:MM:SS"
        try readField(2, in: 0...23, name: "hour", orFail: expected)
        try expect(":", orFail: expected)
        try readField(2, in: 0...59, name: "minute", orFail: expected)
        guard peek() == ":" else { throw error("time must include seconds (HH:MM:SS)") }
        advance()
        // 60 admits a leap second.
        try readField(2, in: 0...60, name: "second", orFail: expected)
        if peek() == "." {
            advance()
            guard peek()?.isTOMLDigit ?? false else { throw error("fractional seconds must have digits") }
            while peek()?.isTOMLDigit ?? false { advance() }
        }
    }

    private mutating func parseOffsetIfPresent() throws(TOMLSyntaxError) {
        switch peek() {
        case "Z", "z":
            advance()
        case "+", "-":
            advance()
            let expected = "invalid time offset, expected Z or +HH:MM"
            try readField(2, in: 0...23, name: "offset hour", orFail: expected)
            try expect(":", orFail: expected)
            try readField(2, in: 0...59, name: "offset minute", orFail: expected)
        default:
            break
        }
    }

    private mutating func readField(_ count: Int, in range: ClosedRange<Int>, name: String, orFail message: String) throws(TOMLSyntaxError) {
        let fieldPosition = position
        let value = try readDigits(count, orFail: message)
        guard range.contains(value) else { throw TOMLSyntaxError(position: fieldPosition, message: "\(name) out of range") }
    }

    private mutating func readDigits(_ count: Int, orFail message: String) throws(TOMLSyntaxError) -> Int {
        var value = 0
        for _ in 0..<count {
            guard let digit = peek()?.tomlDigitValue else { throw error(message) }
            value = value * 10 + digit
            advance()
        }
        return value
    }

    private mutating func expect(_ separator: Unicode.Scalar, orFail message: String) throws(TOMLSyntaxError) {
        guard peek() == separator else { throw error(message) }
        advance()
    }

    private static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }
}
