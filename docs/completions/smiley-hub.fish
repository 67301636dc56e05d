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
        __smiley-hub_parse_subcommand 0 'h/help'
        switch $unparsed_tokens[1]
        case 'serve'
            __smiley-hub_parse_subcommand 0 'state-directory=' 'host=' 'port=' 'log-level=' 'tls-certificate=' 'tls-key=' 'minimum-count=' 'maximum-connections=' 'idle-timeout=' 'request-timeout=' 'h/help'
        case 'centre'
            __smiley-hub_parse_subcommand 0 'h/help'
            switch $unparsed_tokens[1]
            case 'add'
                __smiley-hub_parse_subcommand 1 'state-directory=' 'name=' 'time-zone=' 'h/help'
            case 'set'
                __smiley-hub_parse_subcommand 1 'state-directory=' 'hours=' 'clear-hours' 'holiday=+' 'remove-holiday=+' 'h/help'
            case 'list'
                __smiley-hub_parse_subcommand 0 'state-directory=' 'h/help'
            end
        case 'device'
            __smiley-hub_parse_subcommand 0 'h/help'
            switch $unparsed_tokens[1]
            case 'add'
                __smiley-hub_parse_subcommand 1 'state-directory=' 'centre=' 'token-file=' 'public-key=' 'h/help'
            case 'list'
                __smiley-hub_parse_subcommand 0 'state-directory=' 'h/help'
            case 'revoke'
                __smiley-hub_parse_subcommand 1 'state-directory=' 'h/help'
            case 'set-key'
                __smiley-hub_parse_subcommand 1 'state-directory=' 'public-key=' 'h/help'
            end
        case 'enroll'
            __smiley-hub_parse_subcommand 0 'state-directory=' 'centre=' 'expires=' 'h/help'
        case 'import'
            __smiley-hub_parse_subcommand 1 'state-directory=' 'h/help'
        case 'help'
            __smiley-hub_parse_subcommand -r 1 
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
complete -c 'smiley-hub' -n '__smiley-hub_should_offer_completions_for_flags_or_options "smiley-hub" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'smiley-hub' -n '__smiley-hub_should_offer_completions_for_positional "smiley-hub" -eq 1' -fa 'serve' -d 'Run the hub: ingest API, heatmap API and dashboard.'
complete -c 'smiley-hub' -n '__smiley-hub_should_offer_completions_for_positional "smiley-hub" -eq 1' -fa 'centre' -d 'Manage centres.'
complete -c 'smiley-hub' -n '__smiley-hub_should_offer_completions_for_positional "smiley-hub" -eq 1' -fa 'device' -d 'Add, list and revoke devices.'
complete -c 'smiley-hub' -n '__smiley-hub_should_offer_completions_for_positional "smiley-hub" -eq 1' -fa 'enroll' -d 'Print a one-time code a technician redeems with smileyctl provision to add a device to a centre.'
complete -c 'smiley-hub' -n '__smiley-hub_should_offer_completions_for_positional "smiley-hub" -eq 1' -fa 'import' -d 'Import a device\'s backlog file (from smileyctl export), after checking it came from that device.'
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
complete -c 'smiley-hub' -n '__smiley-hub_should_offer_completions_for_flags_or_options "smiley-hub serve" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'smiley-hub' -n '__smiley-hub_should_offer_completions_for_flags_or_options "smiley-hub centre" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'smiley-hub' -n '__smiley-hub_should_offer_completions_for_positional "smiley-hub centre" -eq 1' -fa 'add' -d 'Add a centre.'
complete -c 'smiley-hub' -n '__smiley-hub_should_offer_completions_for_positional "smiley-hub centre" -eq 1' -fa 'set' -d 'Set a centre\'s opening hours and holidays: heatmaps draw only open hours.'
complete -c 'smiley-hub' -n '__smiley-hub_should_offer_completions_for_positional "smiley-hub centre" -eq 1' -fa 'list' -d 'List centres.'
complete -c 'smiley-hub' -n '__smiley-hub_should_offer_completions_for_flags_or_options "smiley-hub centre add" state-directory' -l 'state-directory' -d 'Directory holding hub.sqlite.' -rfka ''
complete -c 'smiley-hub' -n '__smiley-hub_should_offer_completions_for_flags_or_options "smiley-hub centre add" name' -l 'name' -d 'Name managers read.' -rfka ''
complete -c 'smiley-hub' -n '__smiley-hub_should_offer_completions_for_flags_or_options "smiley-hub centre add" time-zone' -l 'time-zone' -d 'IANA time zone of the centre.' -rfka ''
complete -c 'smiley-hub' -n '__smiley-hub_should_offer_completions_for_flags_or_options "smiley-hub centre add" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'smiley-hub' -n '__smiley-hub_should_offer_completions_for_flags_or_options "smiley-hub centre set" state-directory' -l 'state-directory' -d 'Directory holding hub.sqlite.' -rfka ''
complete -c 'smiley-hub' -n '__smiley-hub_should_offer_completions_for_flags_or_options "smiley-hub centre set" hours' -l 'hours' -d 'Opening hours, for example "Mon-Fri 09:00-17:00, Sat 09:00-13:00".' -rfka ''
complete -c 'smiley-hub' -n '__smiley-hub_should_offer_completions_for_flags_or_options "smiley-hub centre set" clear-hours' -l 'clear-hours' -d 'Forget the opening hours: every hour counts as open.'
complete -c 'smiley-hub' -n '__smiley-hub_should_offer_completions_for_flags_or_options "smiley-hub centre set"' -l 'holiday' -d 'A holiday (YYYY-MM-DD); repeat for several.' -rfka ''
complete -c 'smiley-hub' -n '__smiley-hub_should_offer_completions_for_flags_or_options "smiley-hub centre set"' -l 'remove-holiday' -d 'Remove a holiday (YYYY-MM-DD); repeat for several.' -rfka ''
complete -c 'smiley-hub' -n '__smiley-hub_should_offer_completions_for_flags_or_options "smiley-hub centre set" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'smiley-hub' -n '__smiley-hub_should_offer_completions_for_flags_or_options "smiley-hub centre list" state-directory' -l 'state-directory' -d 'Directory holding hub.sqlite.' -rfka ''
complete -c 'smiley-hub' -n '__smiley-hub_should_offer_completions_for_flags_or_options "smiley-hub centre list" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'smiley-hub' -n '__smiley-hub_should_offer_completions_for_flags_or_options "smiley-hub device" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'smiley-hub' -n '__smiley-hub_should_offer_completions_for_positional "smiley-hub device" -eq 1' -fa 'add' -d 'Add a device to a centre and issue its secret token (shown or written once).'
complete -c 'smiley-hub' -n '__smiley-hub_should_offer_completions_for_positional "smiley-hub device" -eq 1' -fa 'list' -d 'List devices with their press counts and last heartbeat.'
complete -c 'smiley-hub' -n '__smiley-hub_should_offer_completions_for_positional "smiley-hub device" -eq 1' -fa 'revoke' -d 'Revoke a device\'s token: its requests are refused; its presses stay.'
complete -c 'smiley-hub' -n '__smiley-hub_should_offer_completions_for_positional "smiley-hub device" -eq 1' -fa 'set-key' -d 'Set the public key the hub checks a device\'s backlog files with.'
complete -c 'smiley-hub' -n '__smiley-hub_should_offer_completions_for_flags_or_options "smiley-hub device add" state-directory' -l 'state-directory' -d 'Directory holding hub.sqlite.' -rfka ''
complete -c 'smiley-hub' -n '__smiley-hub_should_offer_completions_for_flags_or_options "smiley-hub device add" centre' -l 'centre' -d 'Centre the device belongs to.' -rfka ''
complete -c 'smiley-hub' -n '__smiley-hub_should_offer_completions_for_flags_or_options "smiley-hub device add" token-file' -l 'token-file' -d 'Write the token to this file (mode 0600) instead of printing it.' -rfka ''
complete -c 'smiley-hub' -n '__smiley-hub_should_offer_completions_for_flags_or_options "smiley-hub device add" public-key' -l 'public-key' -d 'The device\'s public signing key (smileyctl signing-key prints it); set-key sets it later.' -rfka ''
complete -c 'smiley-hub' -n '__smiley-hub_should_offer_completions_for_flags_or_options "smiley-hub device add" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'smiley-hub' -n '__smiley-hub_should_offer_completions_for_flags_or_options "smiley-hub device list" state-directory' -l 'state-directory' -d 'Directory holding hub.sqlite.' -rfka ''
complete -c 'smiley-hub' -n '__smiley-hub_should_offer_completions_for_flags_or_options "smiley-hub device list" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'smiley-hub' -n '__smiley-hub_should_offer_completions_for_flags_or_options "smiley-hub device revoke" state-directory' -l 'state-directory' -d 'Directory holding hub.sqlite.' -rfka ''
complete -c 'smiley-hub' -n '__smiley-hub_should_offer_completions_for_flags_or_options "smiley-hub device revoke" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'smiley-hub' -n '__smiley-hub_should_offer_completions_for_flags_or_options "smiley-hub device set-key" state-directory' -l 'state-directory' -d 'Directory holding hub.sqlite.' -rfka ''
complete -c 'smiley-hub' -n '__smiley-hub_should_offer_completions_for_flags_or_options "smiley-hub device set-key" public-key' -l 'public-key' -d 'Base64 Ed25519 public key, as smileyctl signing-key prints it.' -rfka ''
complete -c 'smiley-hub' -n '__smiley-hub_should_offer_completions_for_flags_or_options "smiley-hub device set-key" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'smiley-hub' -n '__smiley-hub_should_offer_completions_for_flags_or_options "smiley-hub enroll" state-directory' -l 'state-directory' -d 'Directory holding hub.sqlite.' -rfka ''
complete -c 'smiley-hub' -n '__smiley-hub_should_offer_completions_for_flags_or_options "smiley-hub enroll" centre' -l 'centre' -d 'Centre the device will belong to.' -rfka ''
complete -c 'smiley-hub' -n '__smiley-hub_should_offer_completions_for_flags_or_options "smiley-hub enroll" expires' -l 'expires' -d 'How long the code works: minutes (30m), hours (24h) or days (7d).' -rfka ''
complete -c 'smiley-hub' -n '__smiley-hub_should_offer_completions_for_flags_or_options "smiley-hub enroll" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'smiley-hub' -n '__smiley-hub_should_offer_completions_for_flags_or_options "smiley-hub import" state-directory' -l 'state-directory' -d 'Directory holding hub.sqlite.' -rfka ''
complete -c 'smiley-hub' -n '__smiley-hub_should_offer_completions_for_flags_or_options "smiley-hub import" h help' -s 'h' -l 'help' -d 'Show help information.'
