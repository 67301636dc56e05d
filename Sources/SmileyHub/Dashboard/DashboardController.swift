import Hummingbird
import NIOCore
import SmileyCore

/// `GET /`: every centre's satisfaction and accessibility heatmaps on one self-contained page.
struct DashboardController<Context: RequestContext>: Sendable {
    let database: HubDatabase

    func addRoutes(to router: Router<Context>) {
        router.get("/", use: page)
    }

    @Sendable func page(_ request: Request, context: Context) async throws -> Response {
        var sections: [String] = []
        let centres = try database.centres()
        for centre in centres {
            var panels: [String] = []
            for question in Question.allCases {
                let heatmap = try database.heatmap(centre: centre.id, question: question)
                let title = "\(centre.name): \(question.rawValue)"
                panels.append(
                    """
                    <figure class="panel" data-question="\(question.rawValue)">
                    <figcaption>\(question == .satisfaction ? "Satisfaction" : "Accessibility") \
                    <span class="total">\(heatmap.totalCount) presses</span></figcaption>
                    \(heatmap.cells.isEmpty ? #"<p class="none">No presses yet.</p>"# : HeatmapSVG(heatmap: heatmap, title: title).svg)
                    </figure>
                    """)
            }
            let uncertain = try database.uncertainCount(centre: centre.id)
            if uncertain > 0 {
                panels.append(
                    #"<p class="uncertain">\#(uncertain) presses wait for their device's clock to be known and are not shown yet.</p>"#
                )
            }
            sections.append(
                """
                <section class="centre" id="centre-\(HTML.escape(centre.id.rawValue))" data-centre="\(HTML.escape(centre.id.rawValue))">
                <h2>\(HTML.escape(centre.name)) <small>\(HTML.escape(centre.id.rawValue)) · local time \(HTML.escape(centre.timeZone))</small></h2>
                \(panels.joined(separator: "\n"))
                </section>
                """)
        }
        if centres.isEmpty {
            sections.append(#"<p class="none">No centres yet: add one with <code>smiley-hub centre add</code>.</p>"#)
        }
        let html = """
            <!doctype html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>Smiley: citizen feedback by hour</title>
            <style>
            body { font-family: system-ui, sans-serif; margin: 1.5rem; color: #222; }
            h1 { font-size: 1.4rem; } h2 { font-size: 1.15rem; margin-top: 2rem; }
            h2 small { font-weight: normal; color: #666; font-size: 0.8rem; }
            figure.panel { margin: 0.8rem 0; } figcaption { font-weight: 600; margin-bottom: 0.3rem; }
            .total { font-weight: normal; color: #666; font-size: 0.85rem; }
            svg.heatmap { max-width: 100%; height: auto; font-size: 11px; }
            svg.heatmap text { fill: #222; } svg.heatmap rect.empty { fill: #f1f1f1; }
            .legend span { display: inline-block; padding: 0.1rem 0.5rem; border-radius: 3px; margin-right: 0.3rem; }
            </style>
            </head>
            <body>
            <h1>Citizen feedback by hour of day and weekday</h1>
            <p class="legend">Colour is the mean answer as an index:
            <span style="background: \(HeatmapSVG.colour(index: 0))">0 worst</span>
            <span style="background: \(HeatmapSVG.colour(index: 50))">50</span>
            <span style="background: \(HeatmapSVG.colour(index: 100))">100 best</span>
            The number in a cell is how many citizens answered in that hour. Hours are each centre's local time.</p>
            \(sections.joined(separator: "\n"))
            </body>
            </html>
            """
        return Response(
            status: .ok, headers: [.contentType: "text/html; charset=utf-8"],
            body: .init(byteBuffer: ByteBuffer(string: html)))
    }
}
