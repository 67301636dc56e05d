import Mustache

/// Text made safe for HTML, inside an element or a quoted attribute: the five characters that could end
/// one (`&`, `<`, `>`, `"`, `'`) become `&amp;`, `&lt;`, `&gt;`, `&quot;`, `&#39;`, as Mustache writes them.
/// Byte by byte, on Unicode scalars: Mustache's own escaper compares whole characters, so a quote followed
/// by a combining mark (`"\u{301}`) is one character that is not a quote, and it went through unescaped.
/// The one escaper of the hub's HTML: `HTMLFragment.text` and every HTML template (`HubTemplates`) use it.
enum HTMLEscaping {
    /// Appends the text's UTF-8, escaped, to `utf8`.
    static func append(_ text: String, to utf8: inout [UInt8]) {
        var text = text
        text.withUTF8 { bytes in
            var start = 0
            for (offset, byte) in bytes.enumerated() {
                let replacement: StaticString
                switch byte {
                case UInt8(ascii: "&"): replacement = "&amp;"
                case UInt8(ascii: "<"): replacement = "&lt;"
                case UInt8(ascii: ">"): replacement = "&gt;"
                case UInt8(ascii: "\""): replacement = "&quot;"
                case UInt8(ascii: "'"): replacement = "&#39;"
                default: continue
                }
                utf8.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[start..<offset]))
                replacement.withUTF8Buffer { utf8.append(contentsOf: $0) }
                start = offset + 1
            }
            utf8.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[start...]))
        }
    }

    /// The text, escaped.
    static func escape(_ text: String) -> String {
        var utf8: [UInt8] = []
        utf8.reserveCapacity(text.utf8.count + 16)
        append(text, to: &utf8)
        return String(decoding: utf8, as: UTF8.self)
    }
}

/// Mustache's content type for the hub's HTML: `{{value}}` escaped by `HTMLEscaping`. Templates select it
/// with the `CONTENT_TYPE` pragma, which `HubTemplates` writes at the head of every HTML template.
struct ScalarHTMLContentType: MustacheContentType {
    /// The name the pragma gives.
    static let name = "SMILEY_SCALAR_HTML"

    func escapeText(_ text: String) -> String { HTMLEscaping.escape(text) }

    /// Registers the content type with Mustache, once, before any template names it.
    static let registered: Void = MustacheContentTypes.register(ScalarHTMLContentType(), named: name)
}

/// A template the hub could not load, and why.
struct TemplateLoadError: Error, CustomStringConvertible {
    let description: String
}

/// The one way the hub builds a `MustacheLibrary`. Each template is declared HTML or plain text, and the
/// loader writes the content type on a line of its own at its head (a standalone tag, so it draws nothing): HTML templates escape on Unicode scalars
/// (`ScalarHTMLContentType`), text templates not at all. A template that names a content type itself is
/// refused, so none can fall back to Mustache's own escaper; a text template may not include a partial
/// (Mustache draws a partial as HTML whatever includes it).
enum HubTemplates {
    enum Kind: Sendable { case html, text }

    struct Template: Sendable {
        let name: String
        let kind: Kind
        let text: String
    }

    static let pragma = "CONTENT_TYPE"

    static func library(_ templates: [Template]) throws -> MustacheLibrary {
        _ = ScalarHTMLContentType.registered
        var library = MustacheLibrary()
        for template in templates {
            guard !template.text.contains(pragma) else {
                throw TemplateLoadError(
                    description:
                        "template '\(template.name)' names a content type itself; declare it HTML or text and the loader selects the escaping"
                )
            }
            let head: String
            switch template.kind {
            case .html: head = "{{% \(pragma): \(ScalarHTMLContentType.name)}}\n"
            case .text:
                guard !template.text.contains("{{>"), !template.text.contains("{{<") else {
                    throw TemplateLoadError(
                        description:
                            "text template '\(template.name)' includes a partial, which Mustache would escape as HTML")
                }
                head = "{{% \(pragma): TEXT}}\n"
            }
            do {
                try library.register(head + template.text, named: template.name)
            } catch {
                throw TemplateLoadError(description: "template '\(template.name)' does not parse: \(error)")
            }
        }
        return library
    }
}
