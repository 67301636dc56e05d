/// A question a panel of buttons asks a citizen on the way out.
public enum Question: String, Sendable, Hashable, Codable, CaseIterable, CustomStringConvertible {
    /// "How satisfied are you with the service today?" Four faces, very unhappy to very happy.
    case satisfaction
    /// "Was this centre easy to reach and use?" Three faces: hard, so-so, easy.
    case accessibility

    /// The answers of this question, from the worst score to the best.
    public var answers: [Answer] {
        switch self {
        case .satisfaction: [.veryUnhappy, .unhappy, .happy, .veryHappy]
        case .accessibility: [.hard, .soSo, .easy]
        }
    }

    /// The best score an answer to this question can have (the worst is always 1).
    public var maximumScore: Int { answers.count }

    public var description: String { rawValue }

    /// Parses a question name, naming the valid ones when it is not one of them.
    public static func parse(_ text: String) throws(ModelError) -> Question {
        guard let question = Question(rawValue: text) else {
            throw .unknownQuestion(text)
        }
        return question
    }
}
