/// Input that does not describe a valid press, centre or device; the message names the problem.
public enum ModelError: Error, Sendable, Equatable, CustomStringConvertible {
    case unknownQuestion(String)
    case unknownAnswer(String, question: Question)
    case invalidIdentifier(kind: String, value: String)
    case unknownTimeZone(String)

    public var description: String {
        switch self {
        case .unknownQuestion(let text):
            let valid = Question.allCases.map(\.rawValue).joined(separator: ", ")
            return "unknown question '\(text)' (expected one of: \(valid))"
        case .unknownAnswer(let text, let question):
            let valid = question.answers.map(\.name).joined(separator: ", ")
            return "unknown answer '\(text)' for question \(question) (expected one of: \(valid))"
        case .invalidIdentifier(let kind, let value):
            return
                "invalid \(kind) id '\(value)': use 1 to 64 characters from a-z, 0-9, '-' and '_', starting with a letter or digit"
        case .unknownTimeZone(let name):
            return "unknown time zone '\(name)' (use an IANA name such as Asia/Thimphu)"
        }
    }
}
