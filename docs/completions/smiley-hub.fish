function __smiley-hub_should_offer_completions_for_flags_or_options -a expected_commands
    set -l non_repeating_flags_or_options $argv[2..]
    set -l non_repeating_flags_or_options_absent 0
    set -l positional_index 0
    set -l commands
    __smiley-hub_parse_tokens
    test "$commands" = "$expected_commands"; and return $non_repeating_flags_or_options_absent
end

function __smiley-hub_should_offer_completions_for_positional -a expected_commands positional_index_comparison expected_positional_index
    set -l non_repeating_flags_or_options
    set -l non_repeating_flags_or_options_absent 0
    set -l positional_index 0
    set -l commands
    __smiley-hub_parse_tokens
    test "$commands" = "$expected_commands" -a \( "$positional_index" "$positional_index_comparison" "$expected_positional_index" \)
end

function __smiley-hub_parse_tokens -S
    set -l unparsed_tokens (__smiley-hub_tokens -pc)
    switch $unparsed_tokens[1]
    case 'smiley-hub'
        __smiley-hub_parse_subcommand 0 'version' 'h/help'
        switch $unparsed_tokens[1]
        case 'serve'
            __smiley-hub_parse_subcommand 0 'state-directory=' 'host=' 'port=' 'log-level=' 'tls-certificate=' 'tls-key=' 'minimum-count=' 'maximum-connections=' 'idle-timeout=' 'request-timeout=' 'metrics-token-file=' 'version' 'h/help'
        case 'centre'
            __smiley-hub_parse_subcommand 0 'version' 'h/help'
            switch $unparsed_tokens[1]
            case 'add'
                __smiley-hub_parse_subcommand 1 'state-directory=' 'name=' 'time-zone=' 'version' 'h/help'
            case 'set'
                __smiley-hub_parse_subcommand 1 'state-directory=' 'hours=' 'clear-hours' 'holiday=+' 'remove-holiday=+' 'group=' 'no-group' 'version' 'h/help'
            case 'list'
                __smiley-hub_parse_subcommand 0 'state-directory=' 'version' 'h/help'
            end
        case 'group'
            __smiley-hub_parse_subcommand 0 'version' 'h/help'
            switch $unparsed_tokens[1]
            case 'add'
                __smiley-hub_parse_subcommand 1 'state-directory=' 'version' 'h/help'
            case 'list'
                __smiley-hub_parse_subcommand 0 'state-directory=' 'version' 'h/help'
            end
        case 'device'
            __smiley-hub_parse_subcommand 0 'version' 'h/help'
            switch $unparsed_tokens[1]
            case 'add'
                __smiley-hub_parse_subcommand 1 'state-directory=' 'centre=' 'token-file=' 'public-key=' 'version' 'h/help'
            case 'list'
                __smiley-hub_parse_subcommand 0 'state-directory=' 'version' 'h/help'
            case 'revoke'
                __smiley-hub_parse_subcommand 1 'state-directory=' 'version' 'h/help'
            case 'set-key'
                __smiley-hub_parse_subcommand 1 'state-directory=' 'public-key=' 'version' 'h/help'
            end
        case 'enroll'
            __smiley-hub_parse_subcommand 0 'state-directory=' 'centre=' 'expires=' 'version' 'h/help'
        case 'import'
            __smiley-hub_parse_subcommand 1 'state-directory=' 'version' 'h/help'
        case 'user'
            __smiley-hub_parse_subcommand 0 'version' 'h/help'
            switch $unparsed_tokens[1]
            case 'add'
                __smiley-hub_parse_subcommand 1 'state-directory=' 'role=' 'centre=+' 'group=+' 'password-stdin' 'hub-url=' 'link-expires=' 'bcrypt-cost=' 'version' 'h/help'
            case 'list'
                __smiley-hub_parse_subcommand 0 'state-directory=' 'version' 'h/help'
            case 'grant'
                __smiley-hub_parse_subcommand 1 'state-directory=' 'centre=+' 'group=+' 'version' 'h/help'
            case 'revoke'
                __smiley-hub_parse_subcommand 1 'state-directory=' 'centre=+' 'group=+' 'version' 'h/help'
            case 'remove'
                __smiley-hub_parse_subcommand 1 'state-directory=' 'version' 'h/help'
            case 'reset-password'
                __smiley-hub_parse_subcommand 1 'state-directory=' 'password-stdin' 'hub-url=' 'link-expires=' 'bcrypt-cost=' 'version' 'h/help'
            case 'totp'
                __smiley-hub_parse_subcommand 1 'state-directory=' 'disable' 'version' 'h/help'
            end
        case 'token'
            __smiley-hub_parse_subcommand 0 'version' 'h/help'
            switch $unparsed_tokens[1]
            case 'create'
                __smiley-hub_parse_subcommand 1 'state-directory=' 'name=' 'expires=' 'version' 'h/help'
            case 'list'
                __smiley-hub_parse_subcommand 1 'state-directory=' 'version' 'h/help'
            case 'revoke'
                __smiley-hub_parse_subcommand 1 'state-directory=' 'version' 'h/help'
            end
        case 'audit'
            __smiley-hub_parse_subcommand 0 'state-directory=' 'limit=' 'version' 'h/help'
        case 'help'
            __smiley-hub_parse_subcommand -r 1 'version'
        end
    end
end

function __smiley-hub_tokens
    if test (string split -m 1 -f 1 -- . "$FISH_VERSION") -gt 3
        commandline --tokens-raw $argv
    else
        commandline -o $argv
    end
end

function __smiley-hub_parse_subcommand -S -a positional_count
    argparse -s r -- $argv
    set -l option_specs $argv[2..]
    set -l is_repeating_positional $_flag_r
    set -el _flag_r
    set -a commands $unparsed_tokens[1]
    set positional_index 0
    while true
        set -e unparsed_tokens[1]
        argparse -sn "$commands" $option_specs -- $unparsed_tokens 2> /dev/null
        set unparsed_tokens $argv
        set positional_index (math $positional_index + 1)
        for non_repeating_flag_or_option in $non_repeating_flags_or_options
            if set -ql "_flag_$(string replace -a - _ -- $non_repeating_flag_or_option)"
                set non_repeating_flags_or_options_absent 1
                break
            end
        end
        test (count $unparsed_tokens) -eq 0 -o \( -z "$is_repeating_positional" -a "$positional_index" -gt "$positional_count" \) && break
    end
end

function __smiley-hub_complete_directories
    set -l token (commandline -t)
    string match -- '*/' $token
    set -l subdirs $token*/
    printf %s\n $subdirs
end

function __smiley-hub_custom_completion
    set -x SAP_SHELL fish
    set -x SAP_SHELL_VERSION $FISH_VERSION
    set -l tokens (__smiley-hub_tokens -p)
    if test -z "$(__smiley-hub_tokens -t)"
        set -l index (count (__smiley-hub_tokens -pc))
        set tokens $tokens[..$index] \'\' $tokens[(math $index + 1)..]
    end
    command $tokens[1] $argv $tokens
end

complete -c 'smiley-hub' -f
complete -c 'smiley-hub' -n '__smiley-hub_should_offer_completions_for_flags_or_options "smiley-hub" version' -l 'version' -d 'Show the version.'
complete -c 'smiley-hub' -n '__smiley-hub_should_offer_completions_for_flags_or_options "smiley-hub" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'smiley-hub' -n '__smiley-hub_should_offer_completions_for_positional "smiley-hub" -eq 1' -fa 'serve' -d 'Run the hub: ingest API, heatmap API and dashboard.'
complete -c 'smiley-hub' -n '__smiley-hub_should_offer_completions_for_positional "smiley-hub" -eq 1' -fa 'centre' -d 'Manage centres.'
complete -c 'smiley-hub' -n '__smiley-hub_should_offer_completions_for_positional "smiley-hub" -eq 1' -fa 'group' -d 'Groups of centres (a dzongkhag, a region) to give people as a whole.'
complete -c 'smiley-hub' -n '__smiley-hub_should_offer_completions_for_positional "smiley-hub" -eq 1' -fa 'device' -d 'Add, list and revoke devices.'
complete -c 'smiley-hub' -n '__smiley-hub_should_offer_completions_for_positional "smiley-hub" -eq 1' -fa 'enroll' -d 'Print a one-time code a technician redeems with smileyctl provision to add a device to a centre.'
complete -c 'smiley-hub' -n '__smiley-hub_should_offer_completions_for_positional "smiley-hub" -eq 1' -fa 'import' -d 'Import a device\'s backlog file (from smileyctl export), after checking it came from that device.'
complete -c 'smiley-hub' -n '__smiley-hub_should_offer_completions_for_positional "smiley-hub" -eq 1' -fa 'user' -d 'People who read the dashboard: roles, scopes, passwords.'
complete -c 'smiley-hub' -n '__smiley-hub_should_offer_completions_for_positional "smiley-hub" -eq 1' -fa 'token' -d 'Personal API tokens for scripts (scoped like their owner).'
complete -c 'smiley-hub' -n '__smiley-hub_should_offer_completions_for_positional "smiley-hub" -eq 1' -fa 'audit' -d 'Print the audit log: sign-ins, people and token changes, exports.'
complete -c 'smiley-hub' -n '__smiley-hub_should_offer_completions_for_positional "smiley-hub" -eq 1' -fa 'help' -d 'Show subcommand help information.'
complete -c 'smiley-hub' -n '__smiley-hub_should_offer_completions_for_flags_or_options "smiley-hub serve" state-directory' -l 'state-directory' -d 'Directory holding hub.sqlite.' -rfka ''
complete -c 'smiley-hub' -n '__smiley-hub_should_offer_completions_for_flags_or_options "smiley-hub serve" host' -l 'host' -d 'Address to listen on.' -rfka ''
complete -c 'smiley-hub' -n '__smiley-hub_should_offer_completions_for_flags_or_options "smiley-hub serve" port' -l 'port' -d 'Port to listen on (0 picks a free one).' -rfka ''
complete -c 'smiley-hub' -n '__smiley-hub_should_offer_completions_for_flags_or_options "smiley-hub serve" log-level' -l 'log-level' -d 'Log level: trace, debug, info, notice, warning, error.' -rfka ''
complete -c 'smiley-hub' -n '__smiley-hub_should_offer_completions_for_flags_or_options "smiley-hub serve" tls-certificate' -l 'tls-certificate' -d 'PEM certificate chain: serve HTTPS (with --tls-key).' -rfka ''
complete -c 'smiley-hub' -n '__smiley-hub_should_offer_completions_for_flags_or_options "smiley-hub serve" tls-key' -l 'tls-key' -d 'PEM private key of the certificate.' -rfka ''
complete -c 'smiley-hub' -n '__smiley-hub_should_offer_completions_for_flags_or_options "smiley-hub serve" minimum-count' -l 'minimum-count' -d 'Fewest presses for a heatmap cell or a day to show its index (fewer show only the count).' -rfka ''
complete -c 'smiley-hub' -n '__smiley-hub_should_offer_completions_for_flags_or_options "smiley-hub serve" maximum-connections' -l 'maximum-connections' -d 'Connections open at once; more wait until one closes.' -rfka ''
complete -c 'smiley-hub' -n '__smiley-hub_should_offer_completions_for_flags_or_options "smiley-hub serve" idle-timeout' -l 'idle-timeout' -d 'Seconds before closing a connection with no request in progress.' -rfka ''
complete -c 'smiley-hub' -n '__smiley-hub_should_offer_completions_for_flags_or_options "smiley-hub serve" request-timeout' -l 'request-timeout' -d 'Seconds a request may take to arrive, from its head to its last byte.' -rfka ''
complete -c 'smiley-hub' -n '__smiley-hub_should_offer_completions_for_flags_or_options "smiley-hub serve" metrics-token-file' -l 'metrics-token-file' -d 'File holding a token (first line, 16 characters or more) that /metrics then asks for from any address.' -rfka ''
complete -c 'smiley-hub' -n '__smiley-hub_should_offer_completions_for_flags_or_options "smiley-hub serve" version' -l 'version' -d 'Show the version.'
complete -c 'smiley-hub' -n '__smiley-hub_should_offer_completions_for_flags_or_options "smiley-hub serve" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'smiley-hub' -n '__smiley-hub_should_offer_completions_for_flags_or_options "smiley-hub centre" version' -l 'version' -d 'Show the version.'
complete -c 'smiley-hub' -n '__smiley-hub_should_offer_completions_for_flags_or_options "smiley-hub centre" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'smiley-hub' -n '__smiley-hub_should_offer_completions_for_positional "smiley-hub centre" -eq 1' -fa 'add' -d 'Add a centre.'
complete -c 'smiley-hub' -n '__smiley-hub_should_offer_completions_for_positional "smiley-hub centre" -eq 1' -fa 'set' -d 'Set a centre\'s opening hours and holidays: heatmaps draw only open hours.'
complete -c 'smiley-hub' -n '__smiley-hub_should_offer_completions_for_positional "smiley-hub centre" -eq 1' -fa 'list' -d 'List centres.'
complete -c 'smiley-hub' -n '__smiley-hub_should_offer_completions_for_flags_or_options "smiley-hub centre add" state-directory' -l 'state-directory' -d 'Directory holding hub.sqlite.' -rfka ''
complete -c 'smiley-hub' -n '__smiley-hub_should_offer_completions_for_flags_or_options "smiley-hub centre add" name' -l 'name' -d 'Name managers read.' -rfka ''
complete -c 'smiley-hub' -n '__smiley-hub_should_offer_completions_for_flags_or_options "smiley-hub centre add" time-zone' -l 'time-zone' -d 'IANA time zone of the centre.' -rfka ''
complete -c 'smiley-hub' -n '__smiley-hub_should_offer_completions_for_flags_or_options "smiley-hub centre add" version' -l 'version' -d 'Show the version.'
complete -c 'smiley-hub' -n '__smiley-hub_should_offer_completions_for_flags_or_options "smiley-hub centre add" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'smiley-hub' -n '__smiley-hub_should_offer_completions_for_flags_or_options "smiley-hub centre set" state-directory' -l 'state-directory' -d 'Directory holding hub.sqlite.' -rfka ''
complete -c 'smiley-hub' -n '__smiley-hub_should_offer_completions_for_flags_or_options "smiley-hub centre set" hours' -l 'hours' -d 'Opening hours, for example "Mon-Fri 09:00-17:00, Sat 09:00-13:00".' -rfka ''
complete -c 'smiley-hub' -n '__smiley-hub_should_offer_completions_for_flags_or_options "smiley-hub centre set" clear-hours' -l 'clear-hours' -d 'Forget the opening hours: every hour counts as open.'
complete -c 'smiley-hub' -n '__smiley-hub_should_offer_completions_for_flags_or_options "smiley-hub centre set"' -l 'holiday' -d 'A holiday (YYYY-MM-DD); repeat for several.' -rfka ''
complete -c 'smiley-hub' -n '__smiley-hub_should_offer_completions_for_flags_or_options "smiley-hub centre set"' -l 'remove-holiday' -d 'Remove a holiday (YYYY-MM-DD); repeat for several.' -rfka ''
complete -c 'smiley-hub' -n '__smiley-hub_should_offer_completions_for_flags_or_options "smiley-hub centre set" group' -l 'group' -d 'Put the centre in this group (see smiley-hub group add).' -rfka ''
complete -c 'smiley-hub' -n '__smiley-hub_should_offer_completions_for_flags_or_options "smiley-hub centre set" no-group' -l 'no-group' -d 'Take the centre out of its group.'
complete -c 'smiley-hub' -n '__smiley-hub_should_offer_completions_for_flags_or_options "smiley-hub centre set" version' -l 'version' -d 'Show the version.'
complete -c 'smiley-hub' -n '__smiley-hub_should_offer_completions_for_flags_or_options "smiley-hub centre set" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'smiley-hub' -n '__smiley-hub_should_offer_completions_for_flags_or_options "smiley-hub centre list" state-directory' -l 'state-directory' -d 'Directory holding hub.sqlite.' -rfka ''
complete -c 'smiley-hub' -n '__smiley-hub_should_offer_completions_for_flags_or_options "smiley-hub centre list" version' -l 'version' -d 'Show the version.'
complete -c 'smiley-hub' -n '__smiley-hub_should_offer_completions_for_flags_or_options "smiley-hub centre list" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'smiley-hub' -n '__smiley-hub_should_offer_completions_for_flags_or_options "smiley-hub group" version' -l 'version' -d 'Show the version.'
complete -c 'smiley-hub' -n '__smiley-hub_should_offer_completions_for_flags_or_options "smiley-hub group" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'smiley-hub' -n '__smiley-hub_should_offer_completions_for_positional "smiley-hub group" -eq 1' -fa 'add' -d 'Add a group of centres.'
complete -c 'smiley-hub' -n '__smiley-hub_should_offer_completions_for_positional "smiley-hub group" -eq 1' -fa 'list' -d 'List groups and their centres.'
complete -c 'smiley-hub' -n '__smiley-hub_should_offer_completions_for_flags_or_options "smiley-hub group add" state-directory' -l 'state-directory' -d 'Directory holding hub.sqlite.' -rfka ''
complete -c 'smiley-hub' -n '__smiley-hub_should_offer_completions_for_flags_or_options "smiley-hub group add" version' -l 'version' -d 'Show the version.'
complete -c 'smiley-hub' -n '__smiley-hub_should_offer_completions_for_flags_or_options "smiley-hub group add" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'smiley-hub' -n '__smiley-hub_should_offer_completions_for_flags_or_options "smiley-hub group list" state-directory' -l 'state-directory' -d 'Directory holding hub.sqlite.' -rfka ''
complete -c 'smiley-hub' -n '__smiley-hub_should_offer_completions_for_flags_or_options "smiley-hub group list" version' -l 'version' -d 'Show the version.'
complete -c 'smiley-hub' -n '__smiley-hub_should_offer_completions_for_flags_or_options "smiley-hub group list" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'smiley-hub' -n '__smiley-hub_should_offer_completions_for_flags_or_options "smiley-hub device" version' -l 'version' -d 'Show the version.'
complete -c 'smiley-hub' -n '__smiley-hub_should_offer_completions_for_flags_or_options "smiley-hub device" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'smiley-hub' -n '__smiley-hub_should_offer_completions_for_positional "smiley-hub device" -eq 1' -fa 'add' -d 'Add a device to a centre and issue its secret token (shown or written once).'
complete -c 'smiley-hub' -n '__smiley-hub_should_offer_completions_for_positional "smiley-hub device" -eq 1' -fa 'list' -d 'List devices with their press counts and last heartbeat.'
complete -c 'smiley-hub' -n '__smiley-hub_should_offer_completions_for_positional "smiley-hub device" -eq 1' -fa 'revoke' -d 'Revoke a device\'s token: its requests are refused; its presses stay.'
complete -c 'smiley-hub' -n '__smiley-hub_should_offer_completions_for_positional "smiley-hub device" -eq 1' -fa 'set-key' -d 'Set the public key the hub checks a device\'s backlog files with.'
complete -c 'smiley-hub' -n '__smiley-hub_should_offer_completions_for_flags_or_options "smiley-hub device add" state-directory' -l 'state-directory' -d 'Directory holding hub.sqlite.' -rfka ''
complete -c 'smiley-hub' -n '__smiley-hub_should_offer_completions_for_flags_or_options "smiley-hub device add" centre' -l 'centre' -d 'Centre the device belongs to.' -rfka ''
complete -c 'smiley-hub' -n '__smiley-hub_should_offer_completions_for_flags_or_options "smiley-hub device add" token-file' -l 'token-file' -d 'Write the token to this file (mode 0600) instead of printing it.' -rfka ''
complete -c 'smiley-hub' -n '__smiley-hub_should_offer_completions_for_flags_or_options "smiley-hub device add" public-key' -l 'public-key' -d 'The device\'s public signing key (smileyctl signing-key prints it); set-key sets it later.' -rfka ''
complete -c 'smiley-hub' -n '__smiley-hub_should_offer_completions_for_flags_or_options "smiley-hub device add" version' -l 'version' -d 'Show the version.'
complete -c 'smiley-hub' -n '__smiley-hub_should_offer_completions_for_flags_or_options "smiley-hub device add" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'smiley-hub' -n '__smiley-hub_should_offer_completions_for_flags_or_options "smiley-hub device list" state-directory' -l 'state-directory' -d 'Directory holding hub.sqlite.' -rfka ''
complete -c 'smiley-hub' -n '__smiley-hub_should_offer_completions_for_flags_or_options "smiley-hub device list" version' -l 'version' -d 'Show the version.'
complete -c 'smiley-hub' -n '__smiley-hub_should_offer_completions_for_flags_or_options "smiley-hub device list" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'smiley-hub' -n '__smiley-hub_should_offer_completions_for_flags_or_options "smiley-hub device revoke" state-directory' -l 'state-directory' -d 'Directory holding hub.sqlite.' -rfka ''
complete -c 'smiley-hub' -n '__smiley-hub_should_offer_completions_for_flags_or_options "smiley-hub device revoke" version' -l 'version' -d 'Show the version.'
complete -c 'smiley-hub' -n '__smiley-hub_should_offer_completions_for_flags_or_options "smiley-hub device revoke" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'smiley-hub' -n '__smiley-hub_should_offer_completions_for_flags_or_options "smiley-hub device set-key" state-directory' -l 'state-directory' -d 'Directory holding hub.sqlite.' -rfka ''
complete -c 'smiley-hub' -n '__smiley-hub_should_offer_completions_for_flags_or_options "smiley-hub device set-key" public-key' -l 'public-key' -d 'Base64 Ed25519 public key, as smileyctl signing-key prints it.' -rfka ''
complete -c 'smiley-hub' -n '__smiley-hub_should_offer_completions_for_flags_or_options "smiley-hub device set-key" version' -l 'version' -d 'Show the version.'
complete -c 'smiley-hub' -n '__smiley-hub_should_offer_completions_for_flags_or_options "smiley-hub device set-key" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'smiley-hub' -n '__smiley-hub_should_offer_completions_for_flags_or_options "smiley-hub enroll" state-directory' -l 'state-directory' -d 'Directory holding hub.sqlite.' -rfka ''
complete -c 'smiley-hub' -n '__smiley-hub_should_offer_completions_for_flags_or_options "smiley-hub enroll" centre' -l 'centre' -d 'Centre the device will belong to.' -rfka ''
complete -c 'smiley-hub' -n '__smiley-hub_should_offer_completions_for_flags_or_options "smiley-hub enroll" expires' -l 'expires' -d 'How long the code works: minutes (30m), hours (24h) or days (7d).' -rfka ''
complete -c 'smiley-hub' -n '__smiley-hub_should_offer_completions_for_flags_or_options "smiley-hub enroll" version' -l 'version' -d 'Show the version.'
complete -c 'smiley-hub' -n '__smiley-hub_should_offer_completions_for_flags_or_options "smiley-hub enroll" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'smiley-hub' -n '__smiley-hub_should_offer_completions_for_flags_or_options "smiley-hub import" state-directory' -l 'state-directory' -d 'Directory holding hub.sqlite.' -rfka ''
complete -c 'smiley-hub' -n '__smiley-hub_should_offer_completions_for_flags_or_options "smiley-hub import" version' -l 'version' -d 'Show the version.'
complete -c 'smiley-hub' -n '__smiley-hub_should_offer_completions_for_flags_or_options "smiley-hub import" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'smiley-hub' -n '__smiley-hub_should_offer_completions_for_flags_or_options "smiley-hub user" version' -l 'version' -d 'Show the version.'
complete -c 'smiley-hub' -n '__smiley-hub_should_offer_completions_for_flags_or_options "smiley-hub user" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'smiley-hub' -n '__smiley-hub_should_offer_completions_for_positional "smiley-hub user" -eq 1' -fa 'add' -d 'Add a person; prints a one-time link to set the password, or reads it from standard input.'
complete -c 'smiley-hub' -n '__smiley-hub_should_offer_completions_for_positional "smiley-hub user" -eq 1' -fa 'list' -d 'List people with their roles and scopes.'
complete -c 'smiley-hub' -n '__smiley-hub_should_offer_completions_for_positional "smiley-hub user" -eq 1' -fa 'grant' -d 'Let a person see more centres or groups.'
complete -c 'smiley-hub' -n '__smiley-hub_should_offer_completions_for_positional "smiley-hub user" -eq 1' -fa 'revoke' -d 'Take centres or groups out of a person\'s scope.'
complete -c 'smiley-hub' -n '__smiley-hub_should_offer_completions_for_positional "smiley-hub user" -eq 1' -fa 'remove' -d 'Remove a person, their sessions and API tokens (the audit log keeps their name).'
complete -c 'smiley-hub' -n '__smiley-hub_should_offer_completions_for_positional "smiley-hub user" -eq 1' -fa 'reset-password' -d 'Forget a person\'s password, end their sessions and print a one-time link to set a new one.'
complete -c 'smiley-hub' -n '__smiley-hub_should_offer_completions_for_positional "smiley-hub user" -eq 1' -fa 'totp' -d 'Turn on a second factor: prints the secret and otpauth URL for an authenticator app.'
complete -c 'smiley-hub' -n '__smiley-hub_should_offer_completions_for_flags_or_options "smiley-hub user add" state-directory' -l 'state-directory' -d 'Directory holding hub.sqlite.' -rfka ''
complete -c 'smiley-hub' -n '__smiley-hub_should_offer_completions_for_flags_or_options "smiley-hub user add" role' -l 'role' -d 'administrator, manager or viewer.' -rfka ''
complete -c 'smiley-hub' -n '__smiley-hub_should_offer_completions_for_flags_or_options "smiley-hub user add"' -l 'centre' -d 'A centre the user may see; repeat for several.' -rfka ''
complete -c 'smiley-hub' -n '__smiley-hub_should_offer_completions_for_flags_or_options "smiley-hub user add"' -l 'group' -d 'A group of centres the user may see; repeat for several.' -rfka ''
complete -c 'smiley-hub' -n '__smiley-hub_should_offer_completions_for_flags_or_options "smiley-hub user add" password-stdin' -l 'password-stdin' -d 'Read the password from the first line of standard input instead of printing a link.'
complete -c 'smiley-hub' -n '__smiley-hub_should_offer_completions_for_flags_or_options "smiley-hub user add" hub-url' -l 'hub-url' -d 'The hub\'s address as people reach it, for the password-setting link.' -rfka ''
complete -c 'smiley-hub' -n '__smiley-hub_should_offer_completions_for_flags_or_options "smiley-hub user add" link-expires' -l 'link-expires' -d 'How long the password-setting link works: minutes (30m), hours (24h) or days (7d).' -rfka ''
complete -c 'smiley-hub' -n '__smiley-hub_should_offer_completions_for_flags_or_options "smiley-hub user add" bcrypt-cost' -l 'bcrypt-cost' -d 'bcrypt cost of the password hash (log2 rounds, 4 to 31).' -rfka ''
complete -c 'smiley-hub' -n '__smiley-hub_should_offer_completions_for_flags_or_options "smiley-hub user add" version' -l 'version' -d 'Show the version.'
complete -c 'smiley-hub' -n '__smiley-hub_should_offer_completions_for_flags_or_options "smiley-hub user add" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'smiley-hub' -n '__smiley-hub_should_offer_completions_for_flags_or_options "smiley-hub user list" state-directory' -l 'state-directory' -d 'Directory holding hub.sqlite.' -rfka ''
complete -c 'smiley-hub' -n '__smiley-hub_should_offer_completions_for_flags_or_options "smiley-hub user list" version' -l 'version' -d 'Show the version.'
complete -c 'smiley-hub' -n '__smiley-hub_should_offer_completions_for_flags_or_options "smiley-hub user list" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'smiley-hub' -n '__smiley-hub_should_offer_completions_for_flags_or_options "smiley-hub user grant" state-directory' -l 'state-directory' -d 'Directory holding hub.sqlite.' -rfka ''
complete -c 'smiley-hub' -n '__smiley-hub_should_offer_completions_for_flags_or_options "smiley-hub user grant"' -l 'centre' -d 'A centre the user may see; repeat for several.' -rfka ''
complete -c 'smiley-hub' -n '__smiley-hub_should_offer_completions_for_flags_or_options "smiley-hub user grant"' -l 'group' -d 'A group of centres the user may see; repeat for several.' -rfka ''
complete -c 'smiley-hub' -n '__smiley-hub_should_offer_completions_for_flags_or_options "smiley-hub user grant" version' -l 'version' -d 'Show the version.'
complete -c 'smiley-hub' -n '__smiley-hub_should_offer_completions_for_flags_or_options "smiley-hub user grant" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'smiley-hub' -n '__smiley-hub_should_offer_completions_for_flags_or_options "smiley-hub user revoke" state-directory' -l 'state-directory' -d 'Directory holding hub.sqlite.' -rfka ''
complete -c 'smiley-hub' -n '__smiley-hub_should_offer_completions_for_flags_or_options "smiley-hub user revoke"' -l 'centre' -d 'A centre the user may see; repeat for several.' -rfka ''
complete -c 'smiley-hub' -n '__smiley-hub_should_offer_completions_for_flags_or_options "smiley-hub user revoke"' -l 'group' -d 'A group of centres the user may see; repeat for several.' -rfka ''
complete -c 'smiley-hub' -n '__smiley-hub_should_offer_completions_for_flags_or_options "smiley-hub user revoke" version' -l 'version' -d 'Show the version.'
complete -c 'smiley-hub' -n '__smiley-hub_should_offer_completions_for_flags_or_options "smiley-hub user revoke" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'smiley-hub' -n '__smiley-hub_should_offer_completions_for_flags_or_options "smiley-hub user remove" state-directory' -l 'state-directory' -d 'Directory holding hub.sqlite.' -rfka ''
complete -c 'smiley-hub' -n '__smiley-hub_should_offer_completions_for_flags_or_options "smiley-hub user remove" version' -l 'version' -d 'Show the version.'
complete -c 'smiley-hub' -n '__smiley-hub_should_offer_completions_for_flags_or_options "smiley-hub user remove" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'smiley-hub' -n '__smiley-hub_should_offer_completions_for_flags_or_options "smiley-hub user reset-password" state-directory' -l 'state-directory' -d 'Directory holding hub.sqlite.' -rfka ''
complete -c 'smiley-hub' -n '__smiley-hub_should_offer_completions_for_flags_or_options "smiley-hub user reset-password" password-stdin' -l 'password-stdin' -d 'Read the new password from standard input instead of printing a link.'
complete -c 'smiley-hub' -n '__smiley-hub_should_offer_completions_for_flags_or_options "smiley-hub user reset-password" hub-url' -l 'hub-url' -d 'The hub\'s address as people reach it, for the password-setting link.' -rfka ''
complete -c 'smiley-hub' -n '__smiley-hub_should_offer_completions_for_flags_or_options "smiley-hub user reset-password" link-expires' -l 'link-expires' -d 'How long the password-setting link works: minutes (30m), hours (24h) or days (7d).' -rfka ''
complete -c 'smiley-hub' -n '__smiley-hub_should_offer_completions_for_flags_or_options "smiley-hub user reset-password" bcrypt-cost' -l 'bcrypt-cost' -d 'bcrypt cost of the password hash (log2 rounds, 4 to 31).' -rfka ''
complete -c 'smiley-hub' -n '__smiley-hub_should_offer_completions_for_flags_or_options "smiley-hub user reset-password" version' -l 'version' -d 'Show the version.'
complete -c 'smiley-hub' -n '__smiley-hub_should_offer_completions_for_flags_or_options "smiley-hub user reset-password" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'smiley-hub' -n '__smiley-hub_should_offer_completions_for_flags_or_options "smiley-hub user totp" state-directory' -l 'state-directory' -d 'Directory holding hub.sqlite.' -rfka ''
complete -c 'smiley-hub' -n '__smiley-hub_should_offer_completions_for_flags_or_options "smiley-hub user totp" disable' -l 'disable' -d 'Turn the second factor off instead.'
complete -c 'smiley-hub' -n '__smiley-hub_should_offer_completions_for_flags_or_options "smiley-hub user totp" version' -l 'version' -d 'Show the version.'
complete -c 'smiley-hub' -n '__smiley-hub_should_offer_completions_for_flags_or_options "smiley-hub user totp" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'smiley-hub' -n '__smiley-hub_should_offer_completions_for_flags_or_options "smiley-hub token" version' -l 'version' -d 'Show the version.'
complete -c 'smiley-hub' -n '__smiley-hub_should_offer_completions_for_flags_or_options "smiley-hub token" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'smiley-hub' -n '__smiley-hub_should_offer_completions_for_positional "smiley-hub token" -eq 1' -fa 'create' -d 'Create a token for a person and print it (only its hash is kept).'
complete -c 'smiley-hub' -n '__smiley-hub_should_offer_completions_for_positional "smiley-hub token" -eq 1' -fa 'list' -d 'List tokens (never the tokens themselves).'
complete -c 'smiley-hub' -n '__smiley-hub_should_offer_completions_for_positional "smiley-hub token" -eq 1' -fa 'revoke' -d 'Revoke a token by its number (from token list).'
complete -c 'smiley-hub' -n '__smiley-hub_should_offer_completions_for_flags_or_options "smiley-hub token create" state-directory' -l 'state-directory' -d 'Directory holding hub.sqlite.' -rfka ''
complete -c 'smiley-hub' -n '__smiley-hub_should_offer_completions_for_flags_or_options "smiley-hub token create" name' -l 'name' -d 'What uses the token.' -rfka ''
complete -c 'smiley-hub' -n '__smiley-hub_should_offer_completions_for_flags_or_options "smiley-hub token create" expires' -l 'expires' -d 'How long it works: minutes (30m), hours (24h) or days (90d); \'never\' for no end.' -rfka ''
complete -c 'smiley-hub' -n '__smiley-hub_should_offer_completions_for_flags_or_options "smiley-hub token create" version' -l 'version' -d 'Show the version.'
complete -c 'smiley-hub' -n '__smiley-hub_should_offer_completions_for_flags_or_options "smiley-hub token create" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'smiley-hub' -n '__smiley-hub_should_offer_completions_for_flags_or_options "smiley-hub token list" state-directory' -l 'state-directory' -d 'Directory holding hub.sqlite.' -rfka ''
complete -c 'smiley-hub' -n '__smiley-hub_should_offer_completions_for_flags_or_options "smiley-hub token list" version' -l 'version' -d 'Show the version.'
complete -c 'smiley-hub' -n '__smiley-hub_should_offer_completions_for_flags_or_options "smiley-hub token list" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'smiley-hub' -n '__smiley-hub_should_offer_completions_for_flags_or_options "smiley-hub token revoke" state-directory' -l 'state-directory' -d 'Directory holding hub.sqlite.' -rfka ''
complete -c 'smiley-hub' -n '__smiley-hub_should_offer_completions_for_flags_or_options "smiley-hub token revoke" version' -l 'version' -d 'Show the version.'
complete -c 'smiley-hub' -n '__smiley-hub_should_offer_completions_for_flags_or_options "smiley-hub token revoke" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'smiley-hub' -n '__smiley-hub_should_offer_completions_for_flags_or_options "smiley-hub audit" state-directory' -l 'state-directory' -d 'Directory holding hub.sqlite.' -rfka ''
complete -c 'smiley-hub' -n '__smiley-hub_should_offer_completions_for_flags_or_options "smiley-hub audit" limit' -l 'limit' -d 'How many of the newest entries.' -rfka ''
complete -c 'smiley-hub' -n '__smiley-hub_should_offer_completions_for_flags_or_options "smiley-hub audit" version' -l 'version' -d 'Show the version.'
complete -c 'smiley-hub' -n '__smiley-hub_should_offer_completions_for_flags_or_options "smiley-hub audit" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'smiley-hub' -n '__smiley-hub_should_offer_completions_for_flags_or_options "smiley-hub help" version' -l 'version' -d 'Show the version.'
