/// One face on a panel: an answer to a question, with its score (1 is the worst).
public struct Answer: Sendable, Hashable, CustomStringConvertible {
    public let question: Question
    /// Stable name on the wire and in storage, for example `very-happy`.
    public let name: String
    /// 1 (worst) up to the question's `maximumScore` (best).
    public let score: Int
    /// Words a person reads on the dashboard.
    public let label: String

    private init(_ question: Question, _ name: String, score: Int, label: String) {
        self.question = question
        self.name = name
        self.score = score
        self.label = label
    }

    public static let veryUnhappy = Answer(.satisfaction, "very-unhappy", score: 1, label: "Very unhappy")
    public static let unhappy = Answer(.satisfaction, "unhappy", score: 2, label: "Unhappy")
    public static let happy = Answer(.satisfaction, "happy", score: 3, label: "Happy")
    public static let veryHappy = Answer(.satisfaction, "very-happy", score: 4, label: "Very happy")

    public static let hard = Answer(.accessibility, "hard", score: 1, label: "Hard")
    public static let soSo = Answer(.accessibility, "so-so", score: 2, label: "So-so")
    public static let easy = Answer(.accessibility, "easy", score: 3, label: "Easy")

    public var description: String { "\(question.rawValue)/\(name)" }

    /// Finds the answer of `question` called `name`, naming the valid ones when there is none.
    public static func parse(_ name: String, of question: Question) throws(ModelError) -> Answer {
        guard let answer = question.answers.first(where: { $0.name == name }) else {
            throw .unknownAnswer(name, question: question)
        }
        return answer
    }
}
