extension Templates {
    static let login = #"""
        {{<layout}}
        {{$main}}
        <h1>Sign in</h1>
        {{#problem}}<p class="notice" role="alert" id="sign-in-problem">{{problem}}</p>{{/problem}}
        <form method="post" action="/login" class="person">
        <input type="hidden" name="csrf" value="{{formToken}}">
        <label>Name <input name="username" value="{{username}}" autocomplete="username" required autofocus></label>
        <label>Password <input type="password" name="password" autocomplete="current-password" required></label>
        <button type="submit">Sign in</button>
        </form>
        <p class="meta">No account? Ask the hub's administrator: accounts are made on the server.</p>
        {{/main}}
        {{/layout}}
        """#

    static let secondStep = #"""
        {{<layout}}
        {{$main}}
        <h1>Sign in: your code</h1>
        {{#problem}}<p class="notice" role="alert" id="sign-in-problem">{{problem}}</p>{{/problem}}
        <form method="post" action="/login/code" class="person">
        <input type="hidden" name="csrf" value="{{formToken}}">
        <label>The 6-digit code your authenticator app shows for Smiley <input name="code" inputmode="numeric" autocomplete="one-time-code" pattern="[0-9 ]*" required autofocus></label>
        <button type="submit">Sign in</button>
        </form>
        <p class="meta"><a href="/login">Start again</a></p>
        {{/main}}
        {{/layout}}
        """#

    static let setPassword = #"""
        {{<layout}}
        {{$main}}
        <h1>Set your password</h1>
        {{#problem}}<p class="notice" role="alert">{{problem}}</p>{{/problem}}
        <form method="post" action="/set-password" class="person">
        <input type="hidden" name="csrf" value="{{formToken}}">
        <input type="hidden" name="token" value="{{linkToken}}">
        <label>New password (at least {{minimumLength}} characters) <input type="password" name="password" autocomplete="new-password" minlength="{{minimumLength}}" required></label>
        <label>The same again <input type="password" name="confirm" autocomplete="new-password" required></label>
        <button type="submit">Set password</button>
        </form>
        {{/main}}
        {{/layout}}
        """#

    static let message = #"""
        {{<layout}}
        {{$main}}
        <h1>{{title}}</h1>
        <p>{{message}}</p>
        <p><a href="{{linkHref}}">{{linkText}}</a></p>
        {{/main}}
        {{/layout}}
        """#

    static let tokens = #"""
        {{<layout}}
        {{$main}}
        <h1>API tokens</h1>
        <p>A script sends a token as <code>Authorization: Bearer …</code> to the JSON API and the exports; it sees what you see. Revoke a token you no longer use.</p>
        {{#problem}}<p class="notice" role="alert">{{problem}}</p>{{/problem}}
        {{#newToken}}<div class="notice" role="status"><p>Your new token, shown only this once: copy it now.</p><p class="secret" id="new-token">{{newToken}}</p></div>{{/newToken}}
        {{#hasTokens}}
        <table class="data tokens">
        <thead><tr><th scope="col">Name</th><th scope="col">Created</th><th scope="col">Expires</th><th scope="col">Last used</th><th scope="col">State</th><th scope="col">Revoke</th></tr></thead>
        <tbody>{{#rows}}<tr data-token="{{tokenID}}"><th scope="row">{{tokenName}}</th><td>{{created}}</td><td>{{expires}}</td><td>{{lastUsed}}</td><td>{{state}}</td><td>{{#revocable}}{{#formCSRF}}<form method="post" action="/account/tokens/{{tokenID}}/revoke"><input type="hidden" name="csrf" value="{{formCSRF}}"><button type="submit">Revoke {{tokenName}}</button></form>{{/formCSRF}}{{/revocable}}</td></tr>{{/rows}}</tbody>
        </table>
        {{/hasTokens}}
        {{^hasTokens}}<p>No tokens yet.</p>{{/hasTokens}}
        {{#formCSRF}}
        <h2>New token</h2>
        <form method="post" action="/account/tokens" class="person">
        <input type="hidden" name="csrf" value="{{formCSRF}}">
        <label>What will use it <input name="name" maxlength="100" required></label>
        <label>Valid for <select name="days"><option value="30">30 days</option><option value="90" selected>90 days</option><option value="365">a year</option></select></label>
        <button type="submit">Create token</button>
        </form>
        {{/formCSRF}}
        {{/main}}
        {{/layout}}
        """#

    static let audit = #"""
        {{<layout}}
        {{$main}}
        <h1>Audit log</h1>
        <p class="meta">The newest 200 entries; <code>smiley-hub audit</code> prints more.</p>
        <div class="scroll" tabindex="0" role="region" aria-label="Audit log">
        <table class="data audit">
        <thead><tr><th scope="col">When (UTC)</th><th scope="col">Who</th><th scope="col">What</th><th scope="col">Detail</th><th scope="col">Address</th></tr></thead>
        <tbody>{{#entries}}<tr><td>{{when}}</td><td>{{actor}}</td><td>{{action}}</td><td>{{detail}}</td><td>{{auditAddress}}</td></tr>{{/entries}}</tbody>
        </table>
        </div>
        {{/main}}
        {{/layout}}
        """#
}
