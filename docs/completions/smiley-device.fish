function __smiley-device_should_offer_completions_for_flags_or_options -a expected_commands
    set -l non_repeating_flags_or_options $argv[2..]
    set -l non_repeating_flags_or_options_absent 0
    set -l positional_index 0
    set -l commands
    __smiley-device_parse_tokens
    test "$commands" = "$expected_commands"; and return $non_repeating_flags_or_options_absent
end

function __smiley-device_should_offer_completions_for_positional -a expected_commands positional_index_comparison expected_positional_index
    set -l non_repeating_flags_or_options
    set -l non_repeating_flags_or_options_absent 0
    set -l positional_index 0
    set -l commands
    __smiley-device_parse_tokens
    test "$commands" = "$expected_commands" -a \( "$positional_index" "$positional_index_comparison" "$expected_positional_index" \)
end

function __smiley-device_parse_tokens -S
    set -l unparsed_tokens (__smiley-device_tokens -pc)
    switch $unparsed_tokens[1]
    case 'smiley-device'
        __smiley-device_parse_subcommand 0 'version' 'h/help'
        switch $unparsed_tokens[1]
        case 'run'
            __smiley-device_parse_subcommand 0 'config=' 'log-level=' 'version' 'h/help'
        case 'replay'
            __smiley-device_parse_subcommand 1 'config=' 'version' 'h/help'
        case 'help'
            __smiley-device_parse_subcommand -r 1 'version'
        end
    end
end

function __smiley-device_tokens
    if test (string split -m 1 -f 1 -- . "$FISH_VERSION") -gt 3
        commandline --tokens-raw $argv
    else
        commandline -o $argv
    end
end

function __smiley-device_parse_subcommand -S -a positional_count
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

function __smiley-device_complete_directories
    set -l token (commandline -t)
    string match -- '*/' $token
    set -l subdirs $token*/
    printf %s\n $subdirs
end

function __smiley-device_custom_completion
    set -x SAP_SHELL fish
    set -x SAP_SHELL_VERSION $FISH_VERSION
    set -l tokens (__smiley-device_tokens -p)
    if test -z "$(__smiley-device_tokens -t)"
        set -l index (count (__smiley-device_tokens -pc))
        set tokens $tokens[..$index] \'\' $tokens[(math $index + 1)..]
    end
    command $tokens[1] $argv $tokens
end

complete -c 'smiley-device' -f
complete -c 'smiley-device' -n '__smiley-device_should_offer_completions_for_flags_or_options "smiley-device" version' -l 'version' -d 'Show the version.'
complete -c 'smiley-device' -n '__smiley-device_should_offer_completions_for_flags_or_options "smiley-device" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'smiley-device' -n '__smiley-device_should_offer_completions_for_positional "smiley-device" -eq 1' -fa 'run' -d 'Run the device from a configuration file.'
complete -c 'smiley-device' -n '__smiley-device_should_offer_completions_for_positional "smiley-device" -eq 1' -fa 'replay' -d 'Print, as JSON lines, the presses a recorded edge trace would give.'
complete -c 'smiley-device' -n '__smiley-device_should_offer_completions_for_positional "smiley-device" -eq 1' -fa 'help' -d 'Show subcommand help information.'
complete -c 'smiley-device' -n '__smiley-device_should_offer_completions_for_flags_or_options "smiley-device run" config' -l 'config' -d 'Device configuration (JSON, see docs/device-config.md).' -rfka ''
complete -c 'smiley-device' -n '__smiley-device_should_offer_completions_for_flags_or_options "smiley-device run" log-level' -l 'log-level' -d 'Log level: trace, debug, info, notice, warning, error.' -rfka ''
complete -c 'smiley-device' -n '__smiley-device_should_offer_completions_for_flags_or_options "smiley-device run" version' -l 'version' -d 'Show the version.'
complete -c 'smiley-device' -n '__smiley-device_should_offer_completions_for_flags_or_options "smiley-device run" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'smiley-device' -n '__smiley-device_should_offer_completions_for_flags_or_options "smiley-device replay" config' -l 'config' -d 'Device configuration whose buttons and debounce settings to use (default: the default pin map).' -rfka ''
complete -c 'smiley-device' -n '__smiley-device_should_offer_completions_for_flags_or_options "smiley-device replay" version' -l 'version' -d 'Show the version.'
complete -c 'smiley-device' -n '__smiley-device_should_offer_completions_for_flags_or_options "smiley-device replay" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'smiley-device' -n '__smiley-device_should_offer_completions_for_flags_or_options "smiley-device help" version' -l 'version' -d 'Show the version.'
