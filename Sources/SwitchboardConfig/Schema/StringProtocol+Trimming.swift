/// Trimming without Foundation's `CharacterSet`: the configuration module imports only
/// FoundationEssentials, so that the linter does not load ICU and Foundation at start-up.
extension StringProtocol {
    /// The text without the leading and trailing Unicode scalars `shouldTrim` accepts.
    func trimmingScalars(where shouldTrim: (Unicode.Scalar) -> Bool) -> String {
        let scalars = unicodeScalars
        guard let first = scalars.firstIndex(where: { !shouldTrim($0) }),
            let last = scalars.lastIndex(where: { !shouldTrim($0) })
        else { return "" }
        return String(String.UnicodeScalarView(scalars[first...last]))
    }

    /// As `trimmingCharacters(in: .whitespaces)`: spaces (general category Zs) and tabs.
    func trimmingWhitespace() -> String {
        trimmingScalars(where: \.isHorizontalSpace)
    }

    /// As `trimmingCharacters(in: .whitespacesAndNewlines)`: also line and paragraph separators
    /// (Zl, Zp), U+000A…U+000D and NEL.
    func trimmingWhitespaceAndNewlines() -> String {
        trimmingScalars(where: { $0.isHorizontalSpace || $0.isLineBreak })
    }
}

extension Unicode.Scalar {
    /// Foundation's `CharacterSet.whitespaces`: general category Zs, and the tab.
    fileprivate var isHorizontalSpace: Bool {
        self == "\t" || properties.generalCategory == .spaceSeparator
    }

    /// What `CharacterSet.whitespacesAndNewlines` adds to `whitespaces`.
    fileprivate var isLineBreak: Bool {
        switch value {
        case 0x0A...0x0D, 0x85: return true
        default:
            let category = properties.generalCategory
            return category == .lineSeparator || category == .paragraphSeparator
        }
    }
}
