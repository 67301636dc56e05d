#compdef smiley-hub

__smiley-hub_complete() {
    local -ar non_empty_completions=("${@:#(|:*)}")
    local -ar empty_completions=("${(M)@:#(|:*)}")
    _describe -V '' non_empty_completions -- empty_completions -P $'\'\''
}

__smiley-hub_custom_complete() {
    local -a completions
    completions=("${(@f)"$("${command_name}" "${@}" "${command_line[@]}")"}")
    if [[ "${#completions[@]}" -gt 1 ]]; then
        __smiley-hub_complete "${completions[@]:0:-1}"
    fi
}

__smiley-hub_cursor_index_in_current_word() {
    if [[ -z "${QIPREFIX}${IPREFIX}${PREFIX}" ]]; then
        printf 0
    else
        printf %s "${#${(z)LBUFFER}[-1]}"
    fi
}

_smiley-hub() {
    emulate -RL zsh -G
    setopt extendedglob nullglob numericglobsort
    unsetopt aliases banghist

    local -xr SAP_SHELL=zsh
    local -x SAP_SHELL_VERSION
    SAP_SHELL_VERSION="$(builtin emulate zsh -c 'printf %s "${ZSH_VERSION}"')"
    local -r SAP_SHELL_VERSION

    local context state state_descr line
    local -A opt_args

    local -r command_name="${words[1]}"
    local -ar command_line=("${words[@]}")
    local -ir current_word_index="$((CURRENT - 1))"

    local -i ret=1
    local -ar arg_specs=(
        '--version[Show the version.]'
        '(-h --help)'{-h,--help}'[Show help information.]'
        '(-): :->command'
        '(-)*:: :->arg'
    )
    _arguments -w -s -S : "${arg_specs[@]}" && ret=0
    case "${state}" in
    command)
        local -ar subcommands=(
            'serve:Run the hub: ingest API, heatmap API and dashboard.'
            'centre:Manage centres.'
            'group:Groups of centres (a dzongkhag, a region) to give people as a whole.'
            'device:Add, list and revoke devices.'
            'enroll:Print a one-time code a technician redeems with smileyctl provision to add a device to a centre.'
            'import:Import a device'\''s backlog file (from smileyctl export), after checking it came from that device.'
            'user:People who read the dashboard: roles, scopes, passwords.'
            'token:Personal API tokens for scripts (scoped like their owner).'
            'audit:Print the audit log: sign-ins, people and token changes, exports.'
            'action:Actions a centre took about its feedback, judged on the centre page.'
            'report:Reports for centre managers.'
            'display:Addresses of the public results screen in a centre'\''s lobby.'
            'alert:Alerts: their history, acknowledgements, each centre'\''s rules and deliveries.'
            'backup:Copy the hub'\''s database to a file while the hub keeps running (one consistent snapshot).'
            'migrate:Copy an SQLite hub'\''s centres, devices, presses, people, actions, alerts, weekly report ledger and display tokens into PostgreSQL, then compare both sides.'
            'help:Show subcommand help information.'
        )
        _describe -V subcommand subcommands && ret=0
        ;;
    arg)
        case "${words[1]}" in
        serve|centre|group|device|enroll|import|user|token|audit|action|report|display|alert|backup|migrate|help)
            "_smiley-hub_${words[1]}" && ret=0
            ;;
        esac
        ;;
    esac

    return "${ret}"
}

_smiley-hub_serve() {
    local -i ret=1
    local -ar arg_specs=(
        '--state-directory[Directory holding hub.sqlite.]:state-directory:'
        '--host[Address to listen on.]:host:'
        '--port[Port to listen on (0 picks a free one).]:port:'
        '--log-level[Log level\: trace, debug, info, notice, warning, error.]:log-level:'
        '--tls-certificate[PEM certificate chain\: serve HTTPS (with --tls-key).]:tls-certificate:'
        '--tls-key[PEM private key of the certificate.]:tls-key:'
        '--minimum-count[Fewest presses for a heatmap cell or a day to show its index (fewer show only the count).]:minimum-count:'
        '--maximum-connections[Connections open at once; more wait until one closes.]:maximum-connections:'
        '--idle-timeout[Seconds before closing a connection with no request in progress.]:idle-timeout:'
        '--request-timeout[Seconds a request may take to arrive, from its head to its last byte.]:request-timeout:'
        '--lobby-font[TrueType font for the lobby screen'\''s Dzongkha (Debian\: fonts-ddc-uchen).]:lobby-font:'
        '--lobby-strings[The lobby screen'\''s Dzongkha strings (dz.json); default\: beside the executable, then /usr/share/smiley-hub.]:lobby-strings:'
        '--lobby-refresh[Seconds between the lobby screen'\''s reloads.]:lobby-refresh:'
        '--alert-interval[Seconds between evaluations of the alert rules.]:alert-interval:'
        '--alert-webhook-url[POST each new alert as signed JSON to this http(s) URL (docs/alerts.md).]:alert-webhook-url:'
        '--alert-webhook-secret-file[File holding the webhook'\''s HMAC-SHA256 secret (at least 16 bytes).]:alert-webhook-secret-file:'
        '--smtp-host[Mail each new alert and each weekly report to the centre'\''s managers through this SMTP server.]:smtp-host:'
        '--smtp-port[SMTP port.]:smtp-port:'
        '--smtp-from[Sender address of alert mail and weekly reports.]:smtp-from:'
        '--smtp-user[SMTP user name (AUTH PLAIN, only after STARTTLS).]:smtp-user:'
        '--smtp-password-file[File holding the SMTP password.]:smtp-password-file:'
        '--smtp-security[starttls (required) or none (a relay on this machine, no password).]:smtp-security:'
        '--smtp-ca-file[PEM file of the certificate authorities trusted for STARTTLS (default\: the system'\''s).]:smtp-ca-file:'
        '*--alert-mail-to[An address that receives every centre'\''s alert mail too; repeat for several.]:alert-mail-to:'
        '--hub-url[The hub'\''s address as managers reach it, for links in alert notifications.]:hub-url:'
        '--metrics-token-file[File holding a token (first line, 16 characters or more) that /metrics then asks for from any address.]:metrics-token-file:'
        '--database[Keep presses in PostgreSQL instead of the state directory'\''s SQLite file\: postgres\://USER@HOST\[\:PORT\]/DATABASE or postgres\://USER@/DATABASE?host=/SOCKET/DIRECTORY.]:database:'
        '--database-password-file[File whose first line is the PostgreSQL password (with --database).]:database-password-file:'
        '--version[Show the version.]'
        '(-h --help)'{-h,--help}'[Show help information.]'
    )
    _arguments -w -s -S : "${arg_specs[@]}" && ret=0

    return "${ret}"
}

_smiley-hub_centre() {
    local -i ret=1
    local -ar arg_specs=(
        '--version[Show the version.]'
        '(-h --help)'{-h,--help}'[Show help information.]'
        '(-): :->command'
        '(-)*:: :->arg'
    )
    _arguments -w -s -S : "${arg_specs[@]}" && ret=0
    case "${state}" in
    command)
        local -ar subcommands=(
            'add:Add a centre.'
            'set:Set a centre'\''s opening hours and holidays: heatmaps draw only open hours.'
            'list:List centres.'
        )
        _describe -V subcommand subcommands && ret=0
        ;;
    arg)
        case "${words[1]}" in
        add|set|list)
            "_smiley-hub_centre_${words[1]}" && ret=0
            ;;
        esac
        ;;
    esac

    return "${ret}"
}

_smiley-hub_centre_add() {
    local -i ret=1
    local -ar arg_specs=(
        '--state-directory[Directory holding hub.sqlite (without --database).]:state-directory:'
        '--database[Change the PostgreSQL database hubs serve from instead of hub.sqlite\: postgres\://USER@HOST\[\:PORT\]/DATABASE or postgres\://USER@/DATABASE?host=/SOCKET/DIRECTORY.]:database:'
        '--database-password-file[File whose first line is the PostgreSQL password (with --database).]:database-password-file:'
        ':id:'
        '--name[Name managers read.]:name:'
        '--time-zone[IANA time zone of the centre.]:time-zone:'
        '--version[Show the version.]'
        '(-h --help)'{-h,--help}'[Show help information.]'
    )
    _arguments -w -s -S : "${arg_specs[@]}" && ret=0

    return "${ret}"
}

_smiley-hub_centre_set() {
    local -i ret=1
    local -ar arg_specs=(
        '--state-directory[Directory holding hub.sqlite (without --database).]:state-directory:'
        '--database[Change the PostgreSQL database hubs serve from instead of hub.sqlite\: postgres\://USER@HOST\[\:PORT\]/DATABASE or postgres\://USER@/DATABASE?host=/SOCKET/DIRECTORY.]:database:'
        '--database-password-file[File whose first line is the PostgreSQL password (with --database).]:database-password-file:'
        ':id:'
        '--hours[Opening hours, for example "Mon-Fri 09\:00-17\:00, Sat 09\:00-13\:00".]:hours:'
        '--clear-hours[Forget the opening hours\: every hour counts as open.]'
        '*--holiday[A holiday (YYYY-MM-DD); repeat for several.]:holiday:'
        '*--remove-holiday[Remove a holiday (YYYY-MM-DD); repeat for several.]:remove-holiday:'
        '--group[Put the centre in this group (see smiley-hub group add).]:group:'
        '--no-group[Take the centre out of its group.]'
        '--version[Show the version.]'
        '(-h --help)'{-h,--help}'[Show help information.]'
    )
    _arguments -w -s -S : "${arg_specs[@]}" && ret=0

    return "${ret}"
}

_smiley-hub_centre_list() {
    local -i ret=1
    local -ar arg_specs=(
        '--state-directory[Directory holding hub.sqlite (without --database).]:state-directory:'
        '--database[Change the PostgreSQL database hubs serve from instead of hub.sqlite\: postgres\://USER@HOST\[\:PORT\]/DATABASE or postgres\://USER@/DATABASE?host=/SOCKET/DIRECTORY.]:database:'
        '--database-password-file[File whose first line is the PostgreSQL password (with --database).]:database-password-file:'
        '--version[Show the version.]'
        '(-h --help)'{-h,--help}'[Show help information.]'
    )
    _arguments -w -s -S : "${arg_specs[@]}" && ret=0

    return "${ret}"
}

_smiley-hub_group() {
    local -i ret=1
    local -ar arg_specs=(
        '--version[Show the version.]'
        '(-h --help)'{-h,--help}'[Show help information.]'
        '(-): :->command'
        '(-)*:: :->arg'
    )
    _arguments -w -s -S : "${arg_specs[@]}" && ret=0
    case "${state}" in
    command)
        local -ar subcommands=(
            'add:Add a group of centres.'
            'list:List groups and their centres.'
        )
        _describe -V subcommand subcommands && ret=0
        ;;
    arg)
        case "${words[1]}" in
        add|list)
            "_smiley-hub_group_${words[1]}" && ret=0
            ;;
        esac
        ;;
    esac

    return "${ret}"
}

_smiley-hub_group_add() {
    local -i ret=1
    local -ar arg_specs=(
        '--state-directory[Directory holding hub.sqlite (without --database).]:state-directory:'
        '--database[Change the PostgreSQL database hubs serve from instead of hub.sqlite\: postgres\://USER@HOST\[\:PORT\]/DATABASE or postgres\://USER@/DATABASE?host=/SOCKET/DIRECTORY.]:database:'
        '--database-password-file[File whose first line is the PostgreSQL password (with --database).]:database-password-file:'
        ':name:'
        '--version[Show the version.]'
        '(-h --help)'{-h,--help}'[Show help information.]'
    )
    _arguments -w -s -S : "${arg_specs[@]}" && ret=0

    return "${ret}"
}

_smiley-hub_group_list() {
    local -i ret=1
    local -ar arg_specs=(
        '--state-directory[Directory holding hub.sqlite (without --database).]:state-directory:'
        '--database[Change the PostgreSQL database hubs serve from instead of hub.sqlite\: postgres\://USER@HOST\[\:PORT\]/DATABASE or postgres\://USER@/DATABASE?host=/SOCKET/DIRECTORY.]:database:'
        '--database-password-file[File whose first line is the PostgreSQL password (with --database).]:database-password-file:'
        '--version[Show the version.]'
        '(-h --help)'{-h,--help}'[Show help information.]'
    )
    _arguments -w -s -S : "${arg_specs[@]}" && ret=0

    return "${ret}"
}

_smiley-hub_device() {
    local -i ret=1
    local -ar arg_specs=(
        '--version[Show the version.]'
        '(-h --help)'{-h,--help}'[Show help information.]'
        '(-): :->command'
        '(-)*:: :->arg'
    )
    _arguments -w -s -S : "${arg_specs[@]}" && ret=0
    case "${state}" in
    command)
        local -ar subcommands=(
            'add:Add a device to a centre and issue its secret token (shown or written once).'
            'list:List devices with their press counts and last heartbeat.'
            'revoke:Revoke a device'\''s token: its requests are refused; its presses stay.'
            'set-key:Set the public key the hub checks a device'\''s backlog files with.'
        )
        _describe -V subcommand subcommands && ret=0
        ;;
    arg)
        case "${words[1]}" in
        add|list|revoke|set-key)
            "_smiley-hub_device_${words[1]}" && ret=0
            ;;
        esac
        ;;
    esac

    return "${ret}"
}

_smiley-hub_device_add() {
    local -i ret=1
    local -ar arg_specs=(
        '--state-directory[Directory holding hub.sqlite (without --database).]:state-directory:'
        '--database[Change the PostgreSQL database hubs serve from instead of hub.sqlite\: postgres\://USER@HOST\[\:PORT\]/DATABASE or postgres\://USER@/DATABASE?host=/SOCKET/DIRECTORY.]:database:'
        '--database-password-file[File whose first line is the PostgreSQL password (with --database).]:database-password-file:'
        ':id:'
        '--centre[Centre the device belongs to.]:centre:'
        '--token-file[Write the token to this file (mode 0600) instead of printing it.]:token-file:'
        '--public-key[The device'\''s public signing key (smileyctl signing-key prints it); set-key sets it later.]:public-key:'
        '--version[Show the version.]'
        '(-h --help)'{-h,--help}'[Show help information.]'
    )
    _arguments -w -s -S : "${arg_specs[@]}" && ret=0

    return "${ret}"
}

_smiley-hub_device_list() {
    local -i ret=1
    local -ar arg_specs=(
        '--state-directory[Directory holding hub.sqlite (without --database).]:state-directory:'
        '--database[Change the PostgreSQL database hubs serve from instead of hub.sqlite\: postgres\://USER@HOST\[\:PORT\]/DATABASE or postgres\://USER@/DATABASE?host=/SOCKET/DIRECTORY.]:database:'
        '--database-password-file[File whose first line is the PostgreSQL password (with --database).]:database-password-file:'
        '--version[Show the version.]'
        '(-h --help)'{-h,--help}'[Show help information.]'
    )
    _arguments -w -s -S : "${arg_specs[@]}" && ret=0

    return "${ret}"
}

_smiley-hub_device_revoke() {
    local -i ret=1
    local -ar arg_specs=(
        '--state-directory[Directory holding hub.sqlite (without --database).]:state-directory:'
        '--database[Change the PostgreSQL database hubs serve from instead of hub.sqlite\: postgres\://USER@HOST\[\:PORT\]/DATABASE or postgres\://USER@/DATABASE?host=/SOCKET/DIRECTORY.]:database:'
        '--database-password-file[File whose first line is the PostgreSQL password (with --database).]:database-password-file:'
        ':id:'
        '--version[Show the version.]'
        '(-h --help)'{-h,--help}'[Show help information.]'
    )
    _arguments -w -s -S : "${arg_specs[@]}" && ret=0

    return "${ret}"
}

_smiley-hub_device_set-key() {
    local -i ret=1
    local -ar arg_specs=(
        '--state-directory[Directory holding hub.sqlite (without --database).]:state-directory:'
        '--database[Change the PostgreSQL database hubs serve from instead of hub.sqlite\: postgres\://USER@HOST\[\:PORT\]/DATABASE or postgres\://USER@/DATABASE?host=/SOCKET/DIRECTORY.]:database:'
        '--database-password-file[File whose first line is the PostgreSQL password (with --database).]:database-password-file:'
        ':id:'
        '--public-key[Base64 Ed25519 public key, as smileyctl signing-key prints it.]:public-key:'
        '--version[Show the version.]'
        '(-h --help)'{-h,--help}'[Show help information.]'
    )
    _arguments -w -s -S : "${arg_specs[@]}" && ret=0

    return "${ret}"
}

_smiley-hub_enroll() {
    local -i ret=1
    local -ar arg_specs=(
        '--state-directory[Directory holding hub.sqlite (without --database).]:state-directory:'
        '--database[Change the PostgreSQL database hubs serve from instead of hub.sqlite\: postgres\://USER@HOST\[\:PORT\]/DATABASE or postgres\://USER@/DATABASE?host=/SOCKET/DIRECTORY.]:database:'
        '--database-password-file[File whose first line is the PostgreSQL password (with --database).]:database-password-file:'
        '--centre[Centre the device will belong to.]:centre:'
        '--expires[How long the code works\: minutes (30m), hours (24h) or days (7d).]:expires:'
        '--version[Show the version.]'
        '(-h --help)'{-h,--help}'[Show help information.]'
    )
    _arguments -w -s -S : "${arg_specs[@]}" && ret=0

    return "${ret}"
}

_smiley-hub_import() {
    local -i ret=1
    local -ar arg_specs=(
        '--state-directory[Directory holding hub.sqlite (without --database).]:state-directory:'
        '--database[Change the PostgreSQL database hubs serve from instead of hub.sqlite\: postgres\://USER@HOST\[\:PORT\]/DATABASE or postgres\://USER@/DATABASE?host=/SOCKET/DIRECTORY.]:database:'
        '--database-password-file[File whose first line is the PostgreSQL password (with --database).]:database-password-file:'
        ':file:'
        '--version[Show the version.]'
        '(-h --help)'{-h,--help}'[Show help information.]'
    )
    _arguments -w -s -S : "${arg_specs[@]}" && ret=0

    return "${ret}"
}

_smiley-hub_user() {
    local -i ret=1
    local -ar arg_specs=(
        '--version[Show the version.]'
        '(-h --help)'{-h,--help}'[Show help information.]'
        '(-): :->command'
        '(-)*:: :->arg'
    )
    _arguments -w -s -S : "${arg_specs[@]}" && ret=0
    case "${state}" in
    command)
        local -ar subcommands=(
            'add:Add a person; prints a one-time link to set the password, or reads it from standard input.'
            'list:List people with their roles and scopes.'
            'grant:Let a person see more centres or groups.'
            'revoke:Take centres or groups out of a person'\''s scope.'
            'remove:Remove a person, their sessions and API tokens (the audit log keeps their name).'
            'reset-password:Forget a person'\''s password, end their sessions and print a one-time link to set a new one.'
            'totp:Turn on a second factor: prints the secret and otpauth URL for an authenticator app.'
            'email:Set or clear a person'\''s e-mail address: managers receive their centres'\'' alerts there.'
        )
        _describe -V subcommand subcommands && ret=0
        ;;
    arg)
        case "${words[1]}" in
        add|list|grant|revoke|remove|reset-password|totp|email)
            "_smiley-hub_user_${words[1]}" && ret=0
            ;;
        esac
        ;;
    esac

    return "${ret}"
}

_smiley-hub_user_add() {
    local -i ret=1
    local -ar arg_specs=(
        '--state-directory[Directory holding hub.sqlite (without --database).]:state-directory:'
        '--database[Change the PostgreSQL database hubs serve from instead of hub.sqlite\: postgres\://USER@HOST\[\:PORT\]/DATABASE or postgres\://USER@/DATABASE?host=/SOCKET/DIRECTORY.]:database:'
        '--database-password-file[File whose first line is the PostgreSQL password (with --database).]:database-password-file:'
        ':name:'
        '--role[administrator, manager or viewer.]:role:'
        '*--centre[A centre the user may see; repeat for several.]:centre:'
        '*--group[A group of centres the user may see; repeat for several.]:group:'
        '--password-stdin[Read the password from the first line of standard input instead of printing a link.]'
        '--hub-url[The hub'\''s address as people reach it, for the password-setting link.]:hub-url:'
        '--link-expires[How long the password-setting link works\: minutes (30m), hours (24h) or days (7d).]:link-expires:'
        '--bcrypt-cost[bcrypt cost of the password hash (log2 rounds, 4 to 31).]:bcrypt-cost:'
        '--version[Show the version.]'
        '(-h --help)'{-h,--help}'[Show help information.]'
    )
    _arguments -w -s -S : "${arg_specs[@]}" && ret=0

    return "${ret}"
}

_smiley-hub_user_list() {
    local -i ret=1
    local -ar arg_specs=(
        '--state-directory[Directory holding hub.sqlite (without --database).]:state-directory:'
        '--database[Change the PostgreSQL database hubs serve from instead of hub.sqlite\: postgres\://USER@HOST\[\:PORT\]/DATABASE or postgres\://USER@/DATABASE?host=/SOCKET/DIRECTORY.]:database:'
        '--database-password-file[File whose first line is the PostgreSQL password (with --database).]:database-password-file:'
        '--version[Show the version.]'
        '(-h --help)'{-h,--help}'[Show help information.]'
    )
    _arguments -w -s -S : "${arg_specs[@]}" && ret=0

    return "${ret}"
}

_smiley-hub_user_grant() {
    local -i ret=1
    local -ar arg_specs=(
        '--state-directory[Directory holding hub.sqlite (without --database).]:state-directory:'
        '--database[Change the PostgreSQL database hubs serve from instead of hub.sqlite\: postgres\://USER@HOST\[\:PORT\]/DATABASE or postgres\://USER@/DATABASE?host=/SOCKET/DIRECTORY.]:database:'
        '--database-password-file[File whose first line is the PostgreSQL password (with --database).]:database-password-file:'
        ':name:'
        '*--centre[A centre the user may see; repeat for several.]:centre:'
        '*--group[A group of centres the user may see; repeat for several.]:group:'
        '--version[Show the version.]'
        '(-h --help)'{-h,--help}'[Show help information.]'
    )
    _arguments -w -s -S : "${arg_specs[@]}" && ret=0

    return "${ret}"
}

_smiley-hub_user_revoke() {
    local -i ret=1
    local -ar arg_specs=(
        '--state-directory[Directory holding hub.sqlite (without --database).]:state-directory:'
        '--database[Change the PostgreSQL database hubs serve from instead of hub.sqlite\: postgres\://USER@HOST\[\:PORT\]/DATABASE or postgres\://USER@/DATABASE?host=/SOCKET/DIRECTORY.]:database:'
        '--database-password-file[File whose first line is the PostgreSQL password (with --database).]:database-password-file:'
        ':name:'
        '*--centre[A centre the user may see; repeat for several.]:centre:'
        '*--group[A group of centres the user may see; repeat for several.]:group:'
        '--version[Show the version.]'
        '(-h --help)'{-h,--help}'[Show help information.]'
    )
    _arguments -w -s -S : "${arg_specs[@]}" && ret=0

    return "${ret}"
}

_smiley-hub_user_remove() {
    local -i ret=1
    local -ar arg_specs=(
        '--state-directory[Directory holding hub.sqlite (without --database).]:state-directory:'
        '--database[Change the PostgreSQL database hubs serve from instead of hub.sqlite\: postgres\://USER@HOST\[\:PORT\]/DATABASE or postgres\://USER@/DATABASE?host=/SOCKET/DIRECTORY.]:database:'
        '--database-password-file[File whose first line is the PostgreSQL password (with --database).]:database-password-file:'
        ':name:'
        '--version[Show the version.]'
        '(-h --help)'{-h,--help}'[Show help information.]'
    )
    _arguments -w -s -S : "${arg_specs[@]}" && ret=0

    return "${ret}"
}

_smiley-hub_user_reset-password() {
    local -i ret=1
    local -ar arg_specs=(
        '--state-directory[Directory holding hub.sqlite (without --database).]:state-directory:'
        '--database[Change the PostgreSQL database hubs serve from instead of hub.sqlite\: postgres\://USER@HOST\[\:PORT\]/DATABASE or postgres\://USER@/DATABASE?host=/SOCKET/DIRECTORY.]:database:'
        '--database-password-file[File whose first line is the PostgreSQL password (with --database).]:database-password-file:'
        ':name:'
        '--password-stdin[Read the new password from standard input instead of printing a link.]'
        '--hub-url[The hub'\''s address as people reach it, for the password-setting link.]:hub-url:'
        '--link-expires[How long the password-setting link works\: minutes (30m), hours (24h) or days (7d).]:link-expires:'
        '--bcrypt-cost[bcrypt cost of the password hash (log2 rounds, 4 to 31).]:bcrypt-cost:'
        '--version[Show the version.]'
        '(-h --help)'{-h,--help}'[Show help information.]'
    )
    _arguments -w -s -S : "${arg_specs[@]}" && ret=0

    return "${ret}"
}

_smiley-hub_user_totp() {
    local -i ret=1
    local -ar arg_specs=(
        '--state-directory[Directory holding hub.sqlite (without --database).]:state-directory:'
        '--database[Change the PostgreSQL database hubs serve from instead of hub.sqlite\: postgres\://USER@HOST\[\:PORT\]/DATABASE or postgres\://USER@/DATABASE?host=/SOCKET/DIRECTORY.]:database:'
        '--database-password-file[File whose first line is the PostgreSQL password (with --database).]:database-password-file:'
        ':name:'
        '--disable[Turn the second factor off instead.]'
        '--version[Show the version.]'
        '(-h --help)'{-h,--help}'[Show help information.]'
    )
    _arguments -w -s -S : "${arg_specs[@]}" && ret=0

    return "${ret}"
}

_smiley-hub_user_email() {
    local -i ret=1
    local -ar arg_specs=(
        '--state-directory[Directory holding hub.sqlite (without --database).]:state-directory:'
        '--database[Change the PostgreSQL database hubs serve from instead of hub.sqlite\: postgres\://USER@HOST\[\:PORT\]/DATABASE or postgres\://USER@/DATABASE?host=/SOCKET/DIRECTORY.]:database:'
        '--database-password-file[File whose first line is the PostgreSQL password (with --database).]:database-password-file:'
        ':name:'
        ':address:'
        '--none[Clear the address.]'
        '--version[Show the version.]'
        '(-h --help)'{-h,--help}'[Show help information.]'
    )
    _arguments -w -s -S : "${arg_specs[@]}" && ret=0

    return "${ret}"
}

_smiley-hub_token() {
    local -i ret=1
    local -ar arg_specs=(
        '--version[Show the version.]'
        '(-h --help)'{-h,--help}'[Show help information.]'
        '(-): :->command'
        '(-)*:: :->arg'
    )
    _arguments -w -s -S : "${arg_specs[@]}" && ret=0
    case "${state}" in
    command)
        local -ar subcommands=(
            'create:Create a token for a person and print it (only its hash is kept).'
            'list:List tokens (never the tokens themselves).'
            'revoke:Revoke a token by its number (from token list).'
        )
        _describe -V subcommand subcommands && ret=0
        ;;
    arg)
        case "${words[1]}" in
        create|list|revoke)
            "_smiley-hub_token_${words[1]}" && ret=0
            ;;
        esac
        ;;
    esac

    return "${ret}"
}

_smiley-hub_token_create() {
    local -i ret=1
    local -ar arg_specs=(
        '--state-directory[Directory holding hub.sqlite (without --database).]:state-directory:'
        '--database[Change the PostgreSQL database hubs serve from instead of hub.sqlite\: postgres\://USER@HOST\[\:PORT\]/DATABASE or postgres\://USER@/DATABASE?host=/SOCKET/DIRECTORY.]:database:'
        '--database-password-file[File whose first line is the PostgreSQL password (with --database).]:database-password-file:'
        ':user:'
        '--name[What uses the token.]:name:'
        '--expires[How long it works\: minutes (30m), hours (24h) or days (90d); '\''never'\'' for no end.]:expires:'
        '--version[Show the version.]'
        '(-h --help)'{-h,--help}'[Show help information.]'
    )
    _arguments -w -s -S : "${arg_specs[@]}" && ret=0

    return "${ret}"
}

_smiley-hub_token_list() {
    local -i ret=1
    local -ar arg_specs=(
        '--state-directory[Directory holding hub.sqlite (without --database).]:state-directory:'
        '--database[Change the PostgreSQL database hubs serve from instead of hub.sqlite\: postgres\://USER@HOST\[\:PORT\]/DATABASE or postgres\://USER@/DATABASE?host=/SOCKET/DIRECTORY.]:database:'
        '--database-password-file[File whose first line is the PostgreSQL password (with --database).]:database-password-file:'
        ':user:'
        '--version[Show the version.]'
        '(-h --help)'{-h,--help}'[Show help information.]'
    )
    _arguments -w -s -S : "${arg_specs[@]}" && ret=0

    return "${ret}"
}

_smiley-hub_token_revoke() {
    local -i ret=1
    local -ar arg_specs=(
        '--state-directory[Directory holding hub.sqlite (without --database).]:state-directory:'
        '--database[Change the PostgreSQL database hubs serve from instead of hub.sqlite\: postgres\://USER@HOST\[\:PORT\]/DATABASE or postgres\://USER@/DATABASE?host=/SOCKET/DIRECTORY.]:database:'
        '--database-password-file[File whose first line is the PostgreSQL password (with --database).]:database-password-file:'
        ':id:'
        '--version[Show the version.]'
        '(-h --help)'{-h,--help}'[Show help information.]'
    )
    _arguments -w -s -S : "${arg_specs[@]}" && ret=0

    return "${ret}"
}

_smiley-hub_audit() {
    local -i ret=1
    local -ar arg_specs=(
        '--state-directory[Directory holding hub.sqlite (without --database).]:state-directory:'
        '--database[Change the PostgreSQL database hubs serve from instead of hub.sqlite\: postgres\://USER@HOST\[\:PORT\]/DATABASE or postgres\://USER@/DATABASE?host=/SOCKET/DIRECTORY.]:database:'
        '--database-password-file[File whose first line is the PostgreSQL password (with --database).]:database-password-file:'
        '--limit[How many of the newest entries.]:limit:'
        '--version[Show the version.]'
        '(-h --help)'{-h,--help}'[Show help information.]'
    )
    _arguments -w -s -S : "${arg_specs[@]}" && ret=0

    return "${ret}"
}

_smiley-hub_action() {
    local -i ret=1
    local -ar arg_specs=(
        '--version[Show the version.]'
        '(-h --help)'{-h,--help}'[Show help information.]'
        '(-): :->command'
        '(-)*:: :->arg'
    )
    _arguments -w -s -S : "${arg_specs[@]}" && ret=0
    case "${state}" in
    command)
        local -ar subcommands=(
            'add:Record an action for a centre.'
            'list:List a centre'\''s actions: id, date, hours, who recorded it, text.'
            'remove:Remove an action recorded by mistake.'
        )
        _describe -V subcommand subcommands && ret=0
        ;;
    arg)
        case "${words[1]}" in
        add|list|remove)
            "_smiley-hub_action_${words[1]}" && ret=0
            ;;
        esac
        ;;
    esac

    return "${ret}"
}

_smiley-hub_action_add() {
    local -i ret=1
    local -ar arg_specs=(
        '--state-directory[Directory holding hub.sqlite (without --database).]:state-directory:'
        '--database[Change the PostgreSQL database hubs serve from instead of hub.sqlite\: postgres\://USER@HOST\[\:PORT\]/DATABASE or postgres\://USER@/DATABASE?host=/SOCKET/DIRECTORY.]:database:'
        '--database-password-file[File whose first line is the PostgreSQL password (with --database).]:database-password-file:'
        ':centre:'
        '--date[The day the action took effect, YYYY-MM-DD on the centre'\''s calendar.]:date:'
        '--hours[The hours it is about, like opening hours\: '\''Mon 09\:00-12\:00'\'' (default\: every open hour).]:hours:'
        ':text:'
        '--version[Show the version.]'
        '(-h --help)'{-h,--help}'[Show help information.]'
    )
    _arguments -w -s -S : "${arg_specs[@]}" && ret=0

    return "${ret}"
}

_smiley-hub_action_list() {
    local -i ret=1
    local -ar arg_specs=(
        '--state-directory[Directory holding hub.sqlite (without --database).]:state-directory:'
        '--database[Change the PostgreSQL database hubs serve from instead of hub.sqlite\: postgres\://USER@HOST\[\:PORT\]/DATABASE or postgres\://USER@/DATABASE?host=/SOCKET/DIRECTORY.]:database:'
        '--database-password-file[File whose first line is the PostgreSQL password (with --database).]:database-password-file:'
        ':centre:'
        '--version[Show the version.]'
        '(-h --help)'{-h,--help}'[Show help information.]'
    )
    _arguments -w -s -S : "${arg_specs[@]}" && ret=0

    return "${ret}"
}

_smiley-hub_action_remove() {
    local -i ret=1
    local -ar arg_specs=(
        '--state-directory[Directory holding hub.sqlite (without --database).]:state-directory:'
        '--database[Change the PostgreSQL database hubs serve from instead of hub.sqlite\: postgres\://USER@HOST\[\:PORT\]/DATABASE or postgres\://USER@/DATABASE?host=/SOCKET/DIRECTORY.]:database:'
        '--database-password-file[File whose first line is the PostgreSQL password (with --database).]:database-password-file:'
        ':centre:'
        ':id:'
        '--version[Show the version.]'
        '(-h --help)'{-h,--help}'[Show help information.]'
    )
    _arguments -w -s -S : "${arg_specs[@]}" && ret=0

    return "${ret}"
}

_smiley-hub_report() {
    local -i ret=1
    local -ar arg_specs=(
        '--version[Show the version.]'
        '(-h --help)'{-h,--help}'[Show help information.]'
        '(-): :->command'
        '(-)*:: :->arg'
    )
    _arguments -w -s -S : "${arg_specs[@]}" && ret=0
    case "${state}" in
    command)
        local -ar subcommands=(
            'weekly:Write a centre'\''s weekly report (HTML e-mail body and plain text).'
            'send:Mail every centre'\''s due weekly report now, as the running hub would (once per centre and week).'
            'status:List the weekly reports queued, sent and given up, newest week first.'
        )
        _describe -V subcommand subcommands && ret=0
        ;;
    arg)
        case "${words[1]}" in
        weekly|send|status)
            "_smiley-hub_report_${words[1]}" && ret=0
            ;;
        esac
        ;;
    esac

    return "${ret}"
}

_smiley-hub_report_weekly() {
    local -i ret=1
    local -ar arg_specs=(
        '--state-directory[Directory holding hub.sqlite (without --database).]:state-directory:'
        '--database[Change the PostgreSQL database hubs serve from instead of hub.sqlite\: postgres\://USER@HOST\[\:PORT\]/DATABASE or postgres\://USER@/DATABASE?host=/SOCKET/DIRECTORY.]:database:'
        '--database-password-file[File whose first line is the PostgreSQL password (with --database).]:database-password-file:'
        '--centre[The centre'\''s id.]:centre:'
        '--week[Any day of the week to report, YYYY-MM-DD (weeks run Monday to Sunday).]:week:'
        '--output[Write the HTML e-mail body to this file.]:output:'
        '--text-output[Write the plain-text body to this file.]:text-output:'
        '--minimum-count[Fewest presses for an hour to be ranked and a change to be judged.]:minimum-count:'
        '--version[Show the version.]'
        '(-h --help)'{-h,--help}'[Show help information.]'
    )
    _arguments -w -s -S : "${arg_specs[@]}" && ret=0

    return "${ret}"
}

_smiley-hub_report_send() {
    local -i ret=1
    local -ar arg_specs=(
        '--state-directory[Directory holding hub.sqlite (without --database).]:state-directory:'
        '--database[Change the PostgreSQL database hubs serve from instead of hub.sqlite\: postgres\://USER@HOST\[\:PORT\]/DATABASE or postgres\://USER@/DATABASE?host=/SOCKET/DIRECTORY.]:database:'
        '--database-password-file[File whose first line is the PostgreSQL password (with --database).]:database-password-file:'
        '--alert-webhook-url[POST each new alert as signed JSON to this http(s) URL (docs/alerts.md).]:alert-webhook-url:'
        '--alert-webhook-secret-file[File holding the webhook'\''s HMAC-SHA256 secret (at least 16 bytes).]:alert-webhook-secret-file:'
        '--smtp-host[Mail each new alert and each weekly report to the centre'\''s managers through this SMTP server.]:smtp-host:'
        '--smtp-port[SMTP port.]:smtp-port:'
        '--smtp-from[Sender address of alert mail and weekly reports.]:smtp-from:'
        '--smtp-user[SMTP user name (AUTH PLAIN, only after STARTTLS).]:smtp-user:'
        '--smtp-password-file[File holding the SMTP password.]:smtp-password-file:'
        '--smtp-security[starttls (required) or none (a relay on this machine, no password).]:smtp-security:'
        '--smtp-ca-file[PEM file of the certificate authorities trusted for STARTTLS (default\: the system'\''s).]:smtp-ca-file:'
        '*--alert-mail-to[An address that receives every centre'\''s alert mail too; repeat for several.]:alert-mail-to:'
        '--hub-url[The hub'\''s address as managers reach it, for links in alert notifications.]:hub-url:'
        '--minimum-count[Fewest presses for an hour to be ranked and a change to be judged.]:minimum-count:'
        '--version[Show the version.]'
        '(-h --help)'{-h,--help}'[Show help information.]'
    )
    _arguments -w -s -S : "${arg_specs[@]}" && ret=0

    return "${ret}"
}

_smiley-hub_report_status() {
    local -i ret=1
    local -ar arg_specs=(
        '--state-directory[Directory holding hub.sqlite (without --database).]:state-directory:'
        '--database[Change the PostgreSQL database hubs serve from instead of hub.sqlite\: postgres\://USER@HOST\[\:PORT\]/DATABASE or postgres\://USER@/DATABASE?host=/SOCKET/DIRECTORY.]:database:'
        '--database-password-file[File whose first line is the PostgreSQL password (with --database).]:database-password-file:'
        '--centre[Only this centre.]:centre:'
        '--version[Show the version.]'
        '(-h --help)'{-h,--help}'[Show help information.]'
    )
    _arguments -w -s -S : "${arg_specs[@]}" && ret=0

    return "${ret}"
}

_smiley-hub_display() {
    local -i ret=1
    local -ar arg_specs=(
        '--version[Show the version.]'
        '(-h --help)'{-h,--help}'[Show help information.]'
        '(-): :->command'
        '(-)*:: :->arg'
    )
    _arguments -w -s -S : "${arg_specs[@]}" && ret=0
    case "${state}" in
    command)
        local -ar subcommands=(
            'create:Make a display token for a centre and print the screen'\''s and the poster'\''s addresses once.'
            'list:List display tokens: id, centre, label, created, state.'
            'revoke:Switch a display off: its address answers 410 Gone from the next reload.'
        )
        _describe -V subcommand subcommands && ret=0
        ;;
    arg)
        case "${words[1]}" in
        create|list|revoke)
            "_smiley-hub_display_${words[1]}" && ret=0
            ;;
        esac
        ;;
    esac

    return "${ret}"
}

_smiley-hub_display_create() {
    local -i ret=1
    local -ar arg_specs=(
        '--state-directory[Directory holding hub.sqlite (without --database).]:state-directory:'
        '--database[Change the PostgreSQL database hubs serve from instead of hub.sqlite\: postgres\://USER@HOST\[\:PORT\]/DATABASE or postgres\://USER@/DATABASE?host=/SOCKET/DIRECTORY.]:database:'
        '--database-password-file[File whose first line is the PostgreSQL password (with --database).]:database-password-file:'
        ':centre:'
        '--label[What the screen is, for the list (at most 80 characters).]:label:'
        '--base-url[The hub'\''s address as the screen reaches it.]:base-url:'
        '--version[Show the version.]'
        '(-h --help)'{-h,--help}'[Show help information.]'
    )
    _arguments -w -s -S : "${arg_specs[@]}" && ret=0

    return "${ret}"
}

_smiley-hub_display_list() {
    local -i ret=1
    local -ar arg_specs=(
        '--state-directory[Directory holding hub.sqlite (without --database).]:state-directory:'
        '--database[Change the PostgreSQL database hubs serve from instead of hub.sqlite\: postgres\://USER@HOST\[\:PORT\]/DATABASE or postgres\://USER@/DATABASE?host=/SOCKET/DIRECTORY.]:database:'
        '--database-password-file[File whose first line is the PostgreSQL password (with --database).]:database-password-file:'
        ':centre:'
        '--version[Show the version.]'
        '(-h --help)'{-h,--help}'[Show help information.]'
    )
    _arguments -w -s -S : "${arg_specs[@]}" && ret=0

    return "${ret}"
}

_smiley-hub_display_revoke() {
    local -i ret=1
    local -ar arg_specs=(
        '--state-directory[Directory holding hub.sqlite (without --database).]:state-directory:'
        '--database[Change the PostgreSQL database hubs serve from instead of hub.sqlite\: postgres\://USER@HOST\[\:PORT\]/DATABASE or postgres\://USER@/DATABASE?host=/SOCKET/DIRECTORY.]:database:'
        '--database-password-file[File whose first line is the PostgreSQL password (with --database).]:database-password-file:'
        ':id:'
        '--version[Show the version.]'
        '(-h --help)'{-h,--help}'[Show help information.]'
    )
    _arguments -w -s -S : "${arg_specs[@]}" && ret=0

    return "${ret}"
}

_smiley-hub_alert() {
    local -i ret=1
    local -ar arg_specs=(
        '--version[Show the version.]'
        '(-h --help)'{-h,--help}'[Show help information.]'
        '(-): :->command'
        '(-)*:: :->arg'
    )
    _arguments -w -s -S : "${arg_specs[@]}" && ret=0
    case "${state}" in
    command)
        local -ar subcommands=(
            'list:List alerts, newest first: open and resolved, with acknowledgements and deliveries.'
            'acknowledge:Acknowledge an open alert with a comment; it still resolves itself when its condition clears.'
            'rules:Show a centre'\''s alert rules (defaults unless changed) and what each setting means.'
            'set:Change settings of a centre'\''s alert rules (all or none).'
            'reset:Put a centre'\''s alert rules back to the defaults.'
            'deliveries:List alert notifications by webhook and e-mail with their delivery state, newest first.'
            'retry:Try a failed delivery again (the running hub picks it up within a minute).'
        )
        _describe -V subcommand subcommands && ret=0
        ;;
    arg)
        case "${words[1]}" in
        list|acknowledge|rules|set|reset|deliveries|retry)
            "_smiley-hub_alert_${words[1]}" && ret=0
            ;;
        esac
        ;;
    esac

    return "${ret}"
}

_smiley-hub_alert_list() {
    local -i ret=1
    local -ar arg_specs=(
        '--state-directory[Directory holding hub.sqlite (without --database).]:state-directory:'
        '--database[Change the PostgreSQL database hubs serve from instead of hub.sqlite\: postgres\://USER@HOST\[\:PORT\]/DATABASE or postgres\://USER@/DATABASE?host=/SOCKET/DIRECTORY.]:database:'
        '--database-password-file[File whose first line is the PostgreSQL password (with --database).]:database-password-file:'
        '--centre[Only this centre'\''s alerts.]:centre:'
        '--limit[How many alerts.]:limit:'
        '--version[Show the version.]'
        '(-h --help)'{-h,--help}'[Show help information.]'
    )
    _arguments -w -s -S : "${arg_specs[@]}" && ret=0

    return "${ret}"
}

_smiley-hub_alert_acknowledge() {
    local -i ret=1
    local -ar arg_specs=(
        '--state-directory[Directory holding hub.sqlite (without --database).]:state-directory:'
        '--database[Change the PostgreSQL database hubs serve from instead of hub.sqlite\: postgres\://USER@HOST\[\:PORT\]/DATABASE or postgres\://USER@/DATABASE?host=/SOCKET/DIRECTORY.]:database:'
        '--database-password-file[File whose first line is the PostgreSQL password (with --database).]:database-password-file:'
        ':id:'
        '--comment[What is being done about it.]:comment:'
        '--version[Show the version.]'
        '(-h --help)'{-h,--help}'[Show help information.]'
    )
    _arguments -w -s -S : "${arg_specs[@]}" && ret=0

    return "${ret}"
}

_smiley-hub_alert_rules() {
    local -i ret=1
    local -ar arg_specs=(
        '--state-directory[Directory holding hub.sqlite (without --database).]:state-directory:'
        '--database[Change the PostgreSQL database hubs serve from instead of hub.sqlite\: postgres\://USER@HOST\[\:PORT\]/DATABASE or postgres\://USER@/DATABASE?host=/SOCKET/DIRECTORY.]:database:'
        '--database-password-file[File whose first line is the PostgreSQL password (with --database).]:database-password-file:'
        ':centre:'
        '--version[Show the version.]'
        '(-h --help)'{-h,--help}'[Show help information.]'
    )
    _arguments -w -s -S : "${arg_specs[@]}" && ret=0

    return "${ret}"
}

_smiley-hub_alert_set() {
    local -i ret=1
    local -ar arg_specs=(
        '--state-directory[Directory holding hub.sqlite (without --database).]:state-directory:'
        '--database[Change the PostgreSQL database hubs serve from instead of hub.sqlite\: postgres\://USER@HOST\[\:PORT\]/DATABASE or postgres\://USER@/DATABASE?host=/SOCKET/DIRECTORY.]:database:'
        '--database-password-file[File whose first line is the PostgreSQL password (with --database).]:database-password-file:'
        ':centre:'
        '*:settings:'
        '--version[Show the version.]'
        '(-h --help)'{-h,--help}'[Show help information.]'
    )
    _arguments -w -s -S : "${arg_specs[@]}" && ret=0

    return "${ret}"
}

_smiley-hub_alert_reset() {
    local -i ret=1
    local -ar arg_specs=(
        '--state-directory[Directory holding hub.sqlite (without --database).]:state-directory:'
        '--database[Change the PostgreSQL database hubs serve from instead of hub.sqlite\: postgres\://USER@HOST\[\:PORT\]/DATABASE or postgres\://USER@/DATABASE?host=/SOCKET/DIRECTORY.]:database:'
        '--database-password-file[File whose first line is the PostgreSQL password (with --database).]:database-password-file:'
        ':centre:'
        '--version[Show the version.]'
        '(-h --help)'{-h,--help}'[Show help information.]'
    )
    _arguments -w -s -S : "${arg_specs[@]}" && ret=0

    return "${ret}"
}

_smiley-hub_alert_deliveries() {
    local -i ret=1
    local -ar arg_specs=(
        '--state-directory[Directory holding hub.sqlite (without --database).]:state-directory:'
        '--database[Change the PostgreSQL database hubs serve from instead of hub.sqlite\: postgres\://USER@HOST\[\:PORT\]/DATABASE or postgres\://USER@/DATABASE?host=/SOCKET/DIRECTORY.]:database:'
        '--database-password-file[File whose first line is the PostgreSQL password (with --database).]:database-password-file:'
        '--centre[Only this centre'\''s.]:centre:'
        '--limit[How many.]:limit:'
        '--version[Show the version.]'
        '(-h --help)'{-h,--help}'[Show help information.]'
    )
    _arguments -w -s -S : "${arg_specs[@]}" && ret=0

    return "${ret}"
}

_smiley-hub_alert_retry() {
    local -i ret=1
    local -ar arg_specs=(
        '--state-directory[Directory holding hub.sqlite (without --database).]:state-directory:'
        '--database[Change the PostgreSQL database hubs serve from instead of hub.sqlite\: postgres\://USER@HOST\[\:PORT\]/DATABASE or postgres\://USER@/DATABASE?host=/SOCKET/DIRECTORY.]:database:'
        '--database-password-file[File whose first line is the PostgreSQL password (with --database).]:database-password-file:'
        ':id:'
        '--version[Show the version.]'
        '(-h --help)'{-h,--help}'[Show help information.]'
    )
    _arguments -w -s -S : "${arg_specs[@]}" && ret=0

    return "${ret}"
}

_smiley-hub_backup() {
    local -i ret=1
    local -ar arg_specs=(
        '--state-directory[Directory holding hub.sqlite.]:state-directory:'
        ':destination:'
        '--version[Show the version.]'
        '(-h --help)'{-h,--help}'[Show help information.]'
    )
    _arguments -w -s -S : "${arg_specs[@]}" && ret=0

    return "${ret}"
}

_smiley-hub_migrate() {
    local -i ret=1
    local -ar arg_specs=(
        '--from[The SQLite hub\: sqlite\:PATH to its hub.sqlite.]:from:'
        '--to[The PostgreSQL database\: postgres\://USER@HOST\[\:PORT\]/DATABASE or postgres\://USER@/DATABASE?host=/DIR.]:to:'
        '--database-password-file[File whose first line is the PostgreSQL password.]:database-password-file:'
        '--version[Show the version.]'
        '(-h --help)'{-h,--help}'[Show help information.]'
    )
    _arguments -w -s -S : "${arg_specs[@]}" && ret=0

    return "${ret}"
}

_smiley-hub_help() {
    local -i ret=1
    local -ar arg_specs=(
        '*:subcommands:'
        '--version[Show the version.]'
    )
    _arguments -w -s -S : "${arg_specs[@]}" && ret=0

    return "${ret}"
}

if [[ "${funcstack[1]}" = _smiley-hub ]]; then
    _smiley-hub "${@}"
else
    compdef _smiley-hub smiley-hub
fi
