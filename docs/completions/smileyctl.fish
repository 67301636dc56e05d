function __smileyctl_should_offer_completions_for_flags_or_options -a expected_commands
    set -l non_repeating_flags_or_options $argv[2..]
    set -l non_repeating_flags_or_options_absent 0
    set -l positional_index 0
    set -l commands
    __smileyctl_parse_tokens
    test "$commands" = "$expected_commands"; and return $non_repeating_flags_or_options_absent
end

function __smileyctl_should_offer_completions_for_positional -a expected_commands positional_index_comparison expected_positional_index
    set -l non_repeating_flags_or_options
    set -l non_repeating_flags_or_options_absent 0
    set -l positional_index 0
    set -l commands
    __smileyctl_parse_tokens
    test "$commands" = "$expected_commands" -a \( "$positional_index" "$positional_index_comparison" "$expected_positional_index" \)
end

function __smileyctl_parse_tokens -S
    set -l unparsed_tokens (__smileyctl_tokens -pc)
    switch $unparsed_tokens[1]
    case 'smileyctl'
        __smileyctl_parse_subcommand 0 'version' 'h/help'
        switch $unparsed_tokens[1]
        case 'provision'
            __smileyctl_parse_subcommand 0 'hub=' 'code=' 'device=' 'layout=' 'config=' 'state-directory=' 'hub-ca=' 'simulated' 'force' 'version' 'h/help'
        case 'gpio'
            __smileyctl_parse_subcommand 0 'version' 'h/help'
            switch $unparsed_tokens[1]
            case 'list'
                __smileyctl_parse_subcommand 0 'version' 'h/help'
            end
        case 'buttons'
            __smileyctl_parse_subcommand 0 'version' 'h/help'
            switch $unparsed_tokens[1]
            case 'test'
                __smileyctl_parse_subcommand 0 'config=' 'seconds=' 'version' 'h/help'
            case 'record'
                __smileyctl_parse_subcommand 0 'config=' 'seconds=' 'out=' 'version' 'h/help'
            end
        case 'status'
            __smileyctl_parse_subcommand 0 'config=' 'json' 'version' 'h/help'
        case 'sync'
            __smileyctl_parse_subcommand 0 'config=' 'version' 'h/help'
        case 'export'
            __smileyctl_parse_subcommand 0 'config=' 'out=' 'version' 'h/help'
        case 'signing-key'
            __smileyctl_parse_subcommand 0 'config=' 'version' 'h/help'
        case 'help'
            __smileyctl_parse_subcommand -r 1 'version'
        end
    end
end

function __smileyctl_tokens
    if test (string split -m 1 -f 1 -- . "$FISH_VERSION") -gt 3
        commandline --tokens-raw $argv
    else
        commandline -o $argv
    end
end

function __smileyctl_parse_subcommand -S -a positional_count
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

function __smileyctl_complete_directories
    set -l token (commandline -t)
    string match -- '*/' $token
    set -l subdirs $token*/
    printf %s\n $subdirs
end

function __smileyctl_custom_completion
    set -x SAP_SHELL fish
    set -x SAP_SHELL_VERSION $FISH_VERSION
    set -l tokens (__smileyctl_tokens -p)
    if test -z "$(__smileyctl_tokens -t)"
        set -l index (count (__smileyctl_tokens -pc))
        set tokens $tokens[..$index] \'\' $tokens[(math $index + 1)..]
    end
    command $tokens[1] $argv $tokens
end

complete -c 'smileyctl' -f
complete -c 'smileyctl' -n '__smileyctl_should_offer_completions_for_flags_or_options "smileyctl" version' -l 'version' -d 'Show the version.'
complete -c 'smileyctl' -n '__smileyctl_should_offer_completions_for_flags_or_options "smileyctl" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'smileyctl' -n '__smileyctl_should_offer_completions_for_positional "smileyctl" -eq 1' -fa 'provision' -d 'Check the wiring, enrol this device at the hub with a one-time code, write its configuration and token, test.'
complete -c 'smileyctl' -n '__smileyctl_should_offer_completions_for_positional "smileyctl" -eq 1' -fa 'gpio' -d 'Look at this device\'s GPIO chips.'
complete -c 'smileyctl' -n '__smileyctl_should_offer_completions_for_positional "smileyctl" -eq 1' -fa 'buttons' -d 'Look at the buttons themselves.'
complete -c 'smileyctl' -n '__smileyctl_should_offer_completions_for_positional "smileyctl" -eq 1' -fa 'status' -d 'Show the device\'s identity, hub, last sync, backlog, clock, health flags and free disk.'
complete -c 'smileyctl' -n '__smileyctl_should_offer_completions_for_positional "smileyctl" -eq 1' -fa 'sync' -d 'Upload every stored press the hub does not hold yet, now.'
complete -c 'smileyctl' -n '__smileyctl_should_offer_completions_for_positional "smileyctl" -eq 1' -fa 'export' -d 'Write the presses the hub does not hold yet to a signed file, for a hub reached by USB stick.'
complete -c 'smileyctl' -n '__smileyctl_should_offer_completions_for_positional "smileyctl" -eq 1' -fa 'signing-key' -d 'Print this device\'s public signing key, making the key pair first if there is none.'
complete -c 'smileyctl' -n '__smileyctl_should_offer_completions_for_positional "smileyctl" -eq 1' -fa 'help' -d 'Show subcommand help information.'
complete -c 'smileyctl' -n '__smileyctl_should_offer_completions_for_flags_or_options "smileyctl provision" hub' -l 'hub' -d 'The hub\'s base URL.' -rfka ''
complete -c 'smileyctl' -n '__smileyctl_should_offer_completions_for_flags_or_options "smileyctl provision" code' -l 'code' -d 'One-time enrollment code from the hub.' -rfka ''
complete -c 'smileyctl' -n '__smileyctl_should_offer_completions_for_flags_or_options "smileyctl provision" device' -l 'device' -d 'This device\'s id: a-z, 0-9, \'-\' and \'_\'.' -rfka ''
complete -c 'smileyctl' -n '__smileyctl_should_offer_completions_for_flags_or_options "smileyctl provision" layout' -l 'layout' -d 'Layout of buttons and LEDs (only \'default\', see Hardware/README.md).' -rfka ''
complete -c 'smileyctl' -n '__smileyctl_should_offer_completions_for_flags_or_options "smileyctl provision" config' -l 'config' -d 'Where to write the device configuration.' -rfka ''
complete -c 'smileyctl' -n '__smileyctl_should_offer_completions_for_flags_or_options "smileyctl provision" state-directory' -l 'state-directory' -d 'The daemon\'s state directory (store and token).' -rfka ''
complete -c 'smileyctl' -n '__smileyctl_should_offer_completions_for_flags_or_options "smileyctl provision" hub-ca' -l 'hub-ca' -d 'PEM CA that signed the hub\'s certificate, if not in the system trust store.' -rfka ''
complete -c 'smileyctl' -n '__smileyctl_should_offer_completions_for_flags_or_options "smileyctl provision" simulated' -l 'simulated' -d 'Simulated buttons: skip the GPIO checks (bench tests without a panel).'
complete -c 'smileyctl' -n '__smileyctl_should_offer_completions_for_flags_or_options "smileyctl provision" force' -l 'force' -d 'Provision again even if this device already is.'
complete -c 'smileyctl' -n '__smileyctl_should_offer_completions_for_flags_or_options "smileyctl provision" version' -l 'version' -d 'Show the version.'
complete -c 'smileyctl' -n '__smileyctl_should_offer_completions_for_flags_or_options "smileyctl provision" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'smileyctl' -n '__smileyctl_should_offer_completions_for_flags_or_options "smileyctl gpio" version' -l 'version' -d 'Show the version.'
complete -c 'smileyctl' -n '__smileyctl_should_offer_completions_for_flags_or_options "smileyctl gpio" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'smileyctl' -n '__smileyctl_should_offer_completions_for_positional "smileyctl gpio" -eq 1' -fa 'list' -d 'List the GPIO chips and their lines (name, offset, in use and by whom), to check the wiring.'
complete -c 'smileyctl' -n '__smileyctl_should_offer_completions_for_flags_or_options "smileyctl gpio list" version' -l 'version' -d 'Show the version.'
complete -c 'smileyctl' -n '__smileyctl_should_offer_completions_for_flags_or_options "smileyctl gpio list" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'smileyctl' -n '__smileyctl_should_offer_completions_for_flags_or_options "smileyctl buttons" version' -l 'version' -d 'Show the version.'
complete -c 'smileyctl' -n '__smileyctl_should_offer_completions_for_flags_or_options "smileyctl buttons" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'smileyctl' -n '__smileyctl_should_offer_completions_for_positional "smileyctl buttons" -eq 1' -fa 'test' -d 'Live view: press each button and see which answer of which panel registered.'
complete -c 'smileyctl' -n '__smileyctl_should_offer_completions_for_positional "smileyctl buttons" -eq 1' -fa 'record' -d 'Record the buttons\' raw edges (no debouncing) as a trace for smiley-device replay.'
complete -c 'smileyctl' -n '__smileyctl_should_offer_completions_for_flags_or_options "smileyctl buttons test" config' -l 'config' -d 'Device configuration file.' -rfka ''
complete -c 'smileyctl' -n '__smileyctl_should_offer_completions_for_flags_or_options "smileyctl buttons test" seconds' -l 'seconds' -d 'How long to watch.' -rfka ''
complete -c 'smileyctl' -n '__smileyctl_should_offer_completions_for_flags_or_options "smileyctl buttons test" version' -l 'version' -d 'Show the version.'
complete -c 'smileyctl' -n '__smileyctl_should_offer_completions_for_flags_or_options "smileyctl buttons test" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'smileyctl' -n '__smileyctl_should_offer_completions_for_flags_or_options "smileyctl buttons record" config' -l 'config' -d 'Device configuration file.' -rfka ''
complete -c 'smileyctl' -n '__smileyctl_should_offer_completions_for_flags_or_options "smileyctl buttons record" seconds' -l 'seconds' -d 'How long to record.' -rfka ''
complete -c 'smileyctl' -n '__smileyctl_should_offer_completions_for_flags_or_options "smileyctl buttons record" out' -l 'out' -d 'Trace file to write.' -rfka ''
complete -c 'smileyctl' -n '__smileyctl_should_offer_completions_for_flags_or_options "smileyctl buttons record" version' -l 'version' -d 'Show the version.'
complete -c 'smileyctl' -n '__smileyctl_should_offer_completions_for_flags_or_options "smileyctl buttons record" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'smileyctl' -n '__smileyctl_should_offer_completions_for_flags_or_options "smileyctl status" config' -l 'config' -d 'Device configuration file.' -rfka ''
complete -c 'smileyctl' -n '__smileyctl_should_offer_completions_for_flags_or_options "smileyctl status" json' -l 'json' -d 'Print JSON for scripts.'
complete -c 'smileyctl' -n '__smileyctl_should_offer_completions_for_flags_or_options "smileyctl status" version' -l 'version' -d 'Show the version.'
complete -c 'smileyctl' -n '__smileyctl_should_offer_completions_for_flags_or_options "smileyctl status" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'smileyctl' -n '__smileyctl_should_offer_completions_for_flags_or_options "smileyctl sync" config' -l 'config' -d 'Device configuration file.' -rfka ''
complete -c 'smileyctl' -n '__smileyctl_should_offer_completions_for_flags_or_options "smileyctl sync" version' -l 'version' -d 'Show the version.'
complete -c 'smileyctl' -n '__smileyctl_should_offer_completions_for_flags_or_options "smileyctl sync" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'smileyctl' -n '__smileyctl_should_offer_completions_for_flags_or_options "smileyctl export" config' -l 'config' -d 'Device configuration file.' -rfka ''
complete -c 'smileyctl' -n '__smileyctl_should_offer_completions_for_flags_or_options "smileyctl export" out' -l 'out' -d 'File to write.' -rfka ''
complete -c 'smileyctl' -n '__smileyctl_should_offer_completions_for_flags_or_options "smileyctl export" version' -l 'version' -d 'Show the version.'
complete -c 'smileyctl' -n '__smileyctl_should_offer_completions_for_flags_or_options "smileyctl export" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'smileyctl' -n '__smileyctl_should_offer_completions_for_flags_or_options "smileyctl signing-key" config' -l 'config' -d 'Device configuration file.' -rfka ''
complete -c 'smileyctl' -n '__smileyctl_should_offer_completions_for_flags_or_options "smileyctl signing-key" version' -l 'version' -d 'Show the version.'
complete -c 'smileyctl' -n '__smileyctl_should_offer_completions_for_flags_or_options "smileyctl signing-key" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'smileyctl' -n '__smileyctl_should_offer_completions_for_flags_or_options "smileyctl help" version' -l 'version' -d 'Show the version.'
