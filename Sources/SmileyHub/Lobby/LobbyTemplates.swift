/// The lobby screen and the A4 poster: large type, English and Dzongkha side by side, nothing loaded from
/// elsewhere (the Tibetan font comes from the hub itself; without it the browser's own fonts are used).
enum LobbyTemplates {
    static let fontFace = #"""
        @font-face { font-family: "DDC Uchen"; src: url("{{fontHref}}") format("truetype"); font-display: swap; }
        [lang="dz"] { font-family: "DDC Uchen", "Jomolhari", "Noto Serif Tibetan", serif; line-height: 1.35; font-size: 1.15em; }
        h1 [lang="dz"] { font-size: 0.9em; }
        """#

    /// Reloads the screen every `data-refresh-seconds`, but only once the hub answers: a screen left on
    /// while the hub restarts keeps its last figures instead of showing an error page. A revoked or
    /// unknown address reloads too, to show its plain message. Its hash is in the page's CSP.
    static let refreshScript = """
        (function () {
          var seconds = Number(document.body.getAttribute("data-refresh-seconds")) || 300;
          function again() {
            fetch(location.href, { cache: "no-store" })
              .then(function (response) {
                if (response.ok || response.status === 404 || response.status === 410) location.reload();
                else setTimeout(again, seconds * 1000);
              })
              .catch(function () { setTimeout(again, seconds * 1000); });
          }
          setTimeout(again, seconds * 1000);
        })();
        """

    static let screen = #"""
        <!doctype html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>{{title}}: results · Smiley</title>
        <style>
        \#(fontFace)
        * { box-sizing: border-box; }
        html { font-size: clamp(16px, 1.45vw, 34px); }
        body { margin: 0; background: #00224e; color: #ffffff; font-family: system-ui, "DejaVu Sans", sans-serif; line-height: 1.3; }
        main { padding: 0.8rem 1.6rem; }
        h1 { font-size: 1.7rem; margin: 0 0 0.2rem; line-height: 1.15; }
        .pair { display: grid; grid-template-columns: 1fr 1fr; gap: 2rem; align-items: baseline; }
        .week { font-size: 1rem; color: #e8edf5; margin: 0 0 0.8rem; }
        .figures { display: grid; grid-template-columns: 1fr 1fr; gap: 1.2rem; }
        .figure { background: #0d3266; border-radius: 0.6rem; padding: 0.7rem 1.1rem; }
        .figure h2 { font-size: 1.15rem; margin: 0 0 0.3rem; font-weight: 600; }
        .figure h2 span { display: block; }
        .number { font-size: 3.6rem; font-weight: 800; line-height: 1; margin: 0.1rem 0; font-variant-numeric: tabular-nums; }
        .number span[lang="dz"] { font-size: 2.6rem; margin-left: 1.2rem; color: #fee838; font-weight: 400; }
        .small { font-size: 0.95rem; margin: 0.1rem 0; }
        .trend { font-size: 1rem; font-weight: 700; margin: 0.3rem 0 0; padding: 0.15rem 0.5rem; display: inline-block; border-radius: 0.3rem; }
        .trend-better { background: #fee838; color: #00224e; } .trend-better::before { content: "▲ "; }
        .trend-worse { background: #ffffff; color: #00224e; } .trend-worse::before { content: "▼ "; }
        .trend-same, .trend-few { background: #2a4a7a; color: #ffffff; }
        h2.deeds { font-size: 1.25rem; margin: 1rem 0 0.4rem; }
        ul.deeds { list-style: none; padding: 0; margin: 0; }
        ul.deeds li { background: #0d3266; border-left: 0.4rem solid #fee838; padding: 0.3rem 1rem; margin: 0 0 0.5rem; }
        .deed-text { font-size: 1.15rem; font-weight: 700; margin: 0.1rem 0; }
        footer { margin-top: 0.8rem; font-size: 0.85rem; color: #e8edf5; }
        footer a { color: #ffffff; }
        </style>
        </head>
        <body data-refresh-seconds="{{refreshSeconds}}">
        <main>
        <h1 class="pair"><span>{{centreName}}</span><span lang="dz">{{dz.heading}}</span></h1>
        <p class="week pair"><span>{{weekEnglish}}</span><span lang="dz">{{weekDzongkha}}</span></p>
        <section class="figures" aria-label="Last week's results">
        {{#figures}}
        <article class="figure">
        <h2><span>{{nameEnglish}}</span><span lang="dz">{{nameDzongkha}}</span></h2>
        <p class="number"><span data-figure>{{figureEnglish}}</span><span lang="dz">{{figureDzongkha}}</span></p>
        <p class="small">{{answersEnglish}}</p>
        <p class="small" lang="dz">{{answersDzongkha}}</p>
        <p class="trend trend-{{trendClass}}">{{trendEnglish}}</p>
        <p class="small" lang="dz">{{trendDzongkha}}</p>
        </article>
        {{/figures}}
        </section>
        <h2 class="deeds pair"><span>What we did with your answers</span><span lang="dz">{{dz.actions}}</span></h2>
        {{^hasDeeds}}<p class="pair"><span>Nothing recorded yet.</span><span lang="dz">{{dz.noActions}}</span></p>{{/hasDeeds}}
        {{#hasDeeds}}<ul class="deeds">{{#deeds}}<li>
        <p class="pair small"><span>{{deedDateEnglish}}</span><span lang="dz">{{deedDateDzongkha}}</span></p>
        <p class="deed-text">{{deedText}}</p>
        <p class="pair small"><span>{{deedResultEnglish}}</span><span lang="dz">{{deedResultDzongkha}}</span></p>
        </li>{{/deeds}}</ul>{{/hasDeeds}}
        <footer class="pair"><span>Thank you for pressing a button on your way out: your answers help us serve you better.</span><span lang="dz">{{dz.thanks}}</span></footer>
        </main>
        <script>\#(refreshScript)</script>
        </body>
        </html>
        """#

    static let poster = #"""
        <!doctype html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>{{title}}: results poster · Smiley</title>
        <style>
        \#(fontFace)
        @page { size: A4 portrait; margin: 14mm; }
        * { box-sizing: border-box; }
        body { margin: 0 auto; max-width: 210mm; padding: 10mm; color: #000000; background: #ffffff; font-family: "DejaVu Sans", system-ui, sans-serif; font-size: 13pt; line-height: 1.3; }
        .pair { display: grid; grid-template-columns: 1fr 1fr; gap: 8mm; align-items: baseline; }
        h1 { font-size: 26pt; margin: 0 0 2mm; color: #00224e; }
        .week { font-size: 13pt; margin: 0 0 6mm; }
        .figures { display: grid; grid-template-columns: 1fr 1fr; gap: 6mm; }
        .figure { border: 0.6mm solid #00224e; border-radius: 3mm; padding: 4mm 5mm; break-inside: avoid; }
        .figure h2 { font-size: 15pt; margin: 0 0 2mm; } .figure h2 span { display: block; }
        .number { font-size: 54pt; font-weight: 800; line-height: 1; margin: 2mm 0; color: #00224e; }
        .number span[lang="dz"] { font-size: 36pt; margin-left: 6mm; font-weight: 400; }
        .small { font-size: 11pt; margin: 1mm 0; }
        .trend { font-weight: 700; margin: 2mm 0 0; }
        .trend-better::before { content: "▲ "; } .trend-worse::before { content: "▼ "; }
        h2.deeds { font-size: 17pt; margin: 8mm 0 3mm; color: #00224e; }
        ul.deeds { list-style: none; padding: 0; margin: 0; }
        ul.deeds li { border-left: 1.5mm solid #00224e; padding: 1mm 4mm; margin: 0 0 4mm; break-inside: avoid; }
        .deed-text { font-size: 14pt; font-weight: 700; margin: 1mm 0; }
        footer { margin-top: 8mm; font-size: 11pt; }
        .screen-only { margin: 0 0 6mm; padding: 3mm; background: #f3f5f8; }
        @media print { body { padding: 0; max-width: none; } .screen-only { display: none; } }
        </style>
        </head>
        <body>
        <p class="screen-only">This page prints on one A4 sheet (use the browser's Print command).</p>
        <h1 class="pair"><span>{{centreName}}</span><span lang="dz">{{dz.posterTitle}}</span></h1>
        <p class="week pair"><span>{{weekEnglish}}</span><span lang="dz">{{weekDzongkha}}</span></p>
        <section class="figures" aria-label="Last week's results">
        {{#figures}}
        <article class="figure">
        <h2><span>{{nameEnglish}}</span><span lang="dz">{{nameDzongkha}}</span></h2>
        <p class="number"><span data-figure>{{figureEnglish}}</span><span lang="dz">{{figureDzongkha}}</span></p>
        <p class="small">{{answersEnglish}}</p>
        <p class="small" lang="dz">{{answersDzongkha}}</p>
        <p class="trend trend-{{trendClass}}">{{trendEnglish}}</p>
        <p class="small" lang="dz">{{trendDzongkha}}</p>
        </article>
        {{/figures}}
        </section>
        <h2 class="deeds pair"><span>What we did with your answers</span><span lang="dz">{{dz.actions}}</span></h2>
        {{^hasDeeds}}<p class="pair"><span>Nothing recorded yet.</span><span lang="dz">{{dz.noActions}}</span></p>{{/hasDeeds}}
        {{#hasDeeds}}<ul class="deeds">{{#deeds}}<li>
        <p class="pair small"><span>{{deedDateEnglish}}</span><span lang="dz">{{deedDateDzongkha}}</span></p>
        <p class="deed-text">{{deedText}}</p>
        <p class="pair small"><span>{{deedResultEnglish}}</span><span lang="dz">{{deedResultDzongkha}}</span></p>
        </li>{{/deeds}}</ul>{{/hasDeeds}}
        <footer class="pair"><span>Thank you for pressing a button on your way out: your answers help us serve you better.</span><span lang="dz">{{dz.thanks}}</span></footer>
        </body>
        </html>
        """#
}
