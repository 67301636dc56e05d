#compdef smileyctl

__smileyctl_complete() {
    local -ar non_empty_completions=("${@:#(|:*)}")
    local -ar empty_completions=("${(M)@:#(|:*)}")
    _describe -V '' non_empty_completions -- empty_completions -P $'\'\''
}

__smileyctl_custom_complete() {
    local -a completions
    completions=("${(@f)"$("${command_name}" "${@}" "${command_line[@]}")"}")
    if [[ "${#completions[@]}" -gt 1 ]]; then
        __smileyctl_complete "${completions[@]:0:-1}"
    fi
}

__smileyctl_cursor_index_in_current_word() {
    if [[ -z "${QIPREFIX}${IPREFIX}${PREFIX}" ]]; then
        printf 0
    else
        printf %s "${#${(z)LBUFFER}[-1]}"
    fi
}

_smileyctl() {
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
            'provision:Check the wiring, enrol this device at the hub with a one-time code, write its configuration and token, test.'
            'gpio:Look at this device'\''s GPIO chips.'
            'buttons:Look at the buttons themselves.'
            'status:Show the device'\''s identity, hub, last sync, backlog, clock, health flags and free disk.'
            'sync:Upload every stored press the hub does not hold yet, now.'
            'export:Write the presses the hub does not hold yet to a signed file, for a hub reached by USB stick.'
            'signing-key:Print this device'\''s public signing key, making the key pair first if there is none.'
            'help:Show subcommand help information.'
        )
        _describe -V subcommand subcommands && ret=0
        ;;
    arg)
        case "${words[1]}" in
        provision|gpio|buttons|status|sync|export|signing-key|help)
            "_smileyctl_${words[1]}" && ret=0
            ;;
        esac
        ;;
    esac

    return "${ret}"
}

_smileyctl_provision() {
    local -i ret=1
    local -ar arg_specs=(
        '--hub[The hub'\''s base URL.]:hub:'
        '--code[One-time enrollment code from the hub.]:code:'
        '--device[This device'\''s id\: a-z, 0-9, '\''-'\'' and '\''_'\''.]:device:'
        '--layout[Layout of buttons and LEDs (only '\''default'\'', see Hardware/README.md).]:layout:'
        '--config[Where to write the device configuration.]:config:'
        '--state-directory[The daemon'\''s state directory (store and token).]:state-directory:'
        '--hub-ca[PEM CA that signed the hub'\''s certificate, if not in the system trust store.]:hub-ca:'
        '--simulated[Simulated buttons\: skip the GPIO checks (bench tests without a panel).]'
        '--force[Provision again even if this device already is.]'
        '--version[Show the version.]'
        '(-h --help)'{-h,--help}'[Show help information.]'
    )
    _arguments -w -s -S : "${arg_specs[@]}" && ret=0

    return "${ret}"
}

_smileyctl_gpio() {
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
            'list:List the GPIO chips and their lines (name, offset, in use and by whom), to check the wiring.'
        )
        _describe -V subcommand subcommands && ret=0
        ;;
    arg)
        case "${words[1]}" in
        list)
            "_smileyctl_gpio_${words[1]}" && ret=0
            ;;
        esac
        ;;
    esac

    return "${ret}"
}

_smileyctl_gpio_list() {
    local -i ret=1
    local -ar arg_specs=(
        '--version[Show the version.]'
        '(-h --help)'{-h,--help}'[Show help information.]'
    )
    _arguments -w -s -S : "${arg_specs[@]}" && ret=0

    return "${ret}"
}

_smileyctl_buttons() {
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
            'test:Live view: press each button and see which answer of which panel registered.'
            'record:Record the buttons'\'' raw edges (no debouncing) as a trace for smiley-device replay.'
        )
        _describe -V subcommand subcommands && ret=0
        ;;
    arg)
        case "${words[1]}" in
        test|record)
            "_smileyctl_buttons_${words[1]}" && ret=0
            ;;
        esac
        ;;
    esac

    return "${ret}"
}

_smileyctl_buttons_test() {
    local -i ret=1
    local -ar arg_specs=(
        '--config[Device configuration file.]:config:'
        '--seconds[How long to watch.]:seconds:'
        '--version[Show the version.]'
        '(-h --help)'{-h,--help}'[Show help information.]'
    )
    _arguments -w -s -S : "${arg_specs[@]}" && ret=0

    return "${ret}"
}

_smileyctl_buttons_record() {
    local -i ret=1
    local -ar arg_specs=(
        '--config[Device configuration file.]:config:'
        '--seconds[How long to record.]:seconds:'
        '--out[Trace file to write.]:out:'
        '--version[Show the version.]'
        '(-h --help)'{-h,--help}'[Show help information.]'
    )
    _arguments -w -s -S : "${arg_specs[@]}" && ret=0

    return "${ret}"
}

_smileyctl_status() {
    local -i ret=1
    local -ar arg_specs=(
        '--config[Device configuration file.]:config:'
        '--json[Print JSON for scripts.]'
        '--version[Show the version.]'
        '(-h --help)'{-h,--help}'[Show help information.]'
    )
    _arguments -w -s -S : "${arg_specs[@]}" && ret=0

    return "${ret}"
}

_smileyctl_sync() {
    local -i ret=1
    local -ar arg_specs=(
        '--config[Device configuration file.]:config:'
        '--version[Show the version.]'
        '(-h --help)'{-h,--help}'[Show help information.]'
    )
    _arguments -w -s -S : "${arg_specs[@]}" && ret=0

    return "${ret}"
}

_smileyctl_export() {
    local -i ret=1
    local -ar arg_specs=(
        '--config[Device configuration file.]:config:'
        '--out[File to write.]:out:'
        '--version[Show the version.]'
        '(-h --help)'{-h,--help}'[Show help information.]'
    )
    _arguments -w -s -S : "${arg_specs[@]}" && ret=0

    return "${ret}"
}

_smileyctl_signing-key() {
    local -i ret=1
    local -ar arg_specs=(
        '--config[Device configuration file.]:config:'
        '--version[Show the version.]'
        '(-h --help)'{-h,--help}'[Show help information.]'
    )
    _arguments -w -s -S : "${arg_specs[@]}" && ret=0

    return "${ret}"
}

_smileyctl_help() {
    local -i ret=1
    local -ar arg_specs=(
        '*:subcommands:'
        '--version[Show the version.]'
    )
    _arguments -w -s -S : "${arg_specs[@]}" && ret=0

    return "${ret}"
}

if [[ "${funcstack[1]}" = _smileyctl ]]; then
    _smileyctl "${@}"
else
    compdef _smileyctl smileyctl
fi
