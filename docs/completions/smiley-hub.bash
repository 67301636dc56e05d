#!/bin/bash

__smiley-hub_cursor_index_in_current_word() {
    local remaining="${COMP_LINE}"

    local word
    for word in "${COMP_WORDS[@]::COMP_CWORD}"; do
        remaining="${remaining##*([[:space:]])"${word}"*([[:space:]])}"
    done

    local -ir index="$((COMP_POINT - ${#COMP_LINE} + ${#remaining}))"
    if [[ "${index}" -le 0 ]]; then
        printf 0
    else
        printf %s "${index}"
    fi
}

# positional arguments:
#
# - 1: the current (sub)command's count of positional arguments
#
# required variables:
#
# - repeating_flags: the repeating flags that the current (sub)command can accept
# - non_repeating_flags: the non-repeating flags that the current (sub)command can accept
# - repeating_options: the repeating options that the current (sub)command can accept
# - non_repeating_options: the non-repeating options that the current (sub)command can accept
# - positional_number: value ignored
# - unparsed_words: unparsed words from the current command line
#
# modified variables:
#
# - non_repeating_flags: remove flags for this (sub)command that are already on the command line
# - non_repeating_options: remove options for this (sub)command that are already on the command line
# - positional_number: set to the current positional number
# - unparsed_words: remove all flags, options, and option values for this (sub)command
__smiley-hub_offer_flags_options() {
    local -ir positional_count="${1}"
    positional_number=0

    local was_flag_option_terminator_seen=false
    local is_parsing_option_value=false

    local -ar unparsed_word_indices=("${!unparsed_words[@]}")
    local -i word_index
    for word_index in "${unparsed_word_indices[@]}"; do
        if "${is_parsing_option_value}"; then
            # This word is an option value:
            # Reset marker for next word iff not currently the last word
            [[ "${word_index}" -ne "${unparsed_word_indices[${#unparsed_word_indices[@]} - 1]}" ]] && is_parsing_option_value=false
            unset "unparsed_words[${word_index}]"
            # Do not process this word as a flag or an option
            continue
        fi

        local word="${unparsed_words["${word_index}"]}"
        if ! "${was_flag_option_terminator_seen}"; then
            case "${word}" in
            --)
                unset "unparsed_words[${word_index}]"
                # by itself -- is a flag/option terminator, but if it is the last word, it is the start of a completion
                if [[ "${word_index}" -ne "${unparsed_word_indices[${#unparsed_word_indices[@]} - 1]}" ]]; then
                    was_flag_option_terminator_seen=true
                fi
                continue
                ;;
            -*)
                # ${word} is a flag or an option
                # If ${word} is an option, mark that the next word to be parsed is an option value
                local option
                for option in "${repeating_options[@]}" "${non_repeating_options[@]}"; do
                    [[ "${word}" = "${option}" ]] && is_parsing_option_value=true && break
                done

                # Remove ${word} from ${non_repeating_flags} or ${non_repeating_options} so it isn't offered again
                local not_found=true
                local -i index
                for index in "${!non_repeating_flags[@]}"; do
                    if [[ "${non_repeating_flags[${index}]}" = "${word}" ]]; then
                        unset "non_repeating_flags[${index}]"
                        non_repeating_flags=("${non_repeating_flags[@]}")
                        not_found=false
                        break
                    fi
                done
                if "${not_found}"; then
                    for index in "${!non_repeating_flags[@]}"; do
                        if [[ "${non_repeating_flags[${index}]}" = "${word}" ]]; then
                            unset "non_repeating_flags[${index}]"
                            non_repeating_flags=("${non_repeating_flags[@]}")
                            break
                        fi
                    done
                fi
                unset "unparsed_words[${word_index}]"
                continue
                ;;
            esac
        fi

        # ${word} is neither a flag, nor an option, nor an option value
        if [[ "${positional_number}" -lt "${positional_count}" || "${positional_count}" -lt 0 ]]; then
            # ${word} is a positional
            ((positional_number++))
            unset "unparsed_words[${word_index}]"
        else
            if [[ -z "${word}" ]]; then
                # Could be completing a flag, option, or subcommand
                positional_number=-1
            else
                # ${word} is a subcommand or invalid, so stop processing this (sub)command
                positional_number=-2
            fi
            break
        fi
    done

    unparsed_words=("${unparsed_words[@]}")

    if\
        ! "${was_flag_option_terminator_seen}"\
        && ! "${is_parsing_option_value}"\
        && [[ ("${cur}" = -* && "${positional_number}" -ge 0) || "${positional_number}" -eq -1 ]]
    then
        COMPREPLY+=($(compgen -W "${repeating_flags[*]} ${non_repeating_flags[*]} ${repeating_options[*]} ${non_repeating_options[*]}" -- "${cur}"))
    fi
}

__smiley-hub_add_completions() {
    local completion
    while IFS='' read -r completion; do
        COMPREPLY+=("${completion}")
    done < <(IFS=$'\n' compgen "${@}" -- "${cur}")
}

__smiley-hub_custom_complete() {
    if [[ -n "${cur}" || -z ${COMP_WORDS[${COMP_CWORD}]} || "${COMP_LINE:${COMP_POINT}:1}" != ' ' ]]; then
        local -ar words=("${COMP_WORDS[@]}")
    else
        local -ar words=("${COMP_WORDS[@]::${COMP_CWORD}}" '' "${COMP_WORDS[@]:${COMP_CWORD}}")
    fi

    "${COMP_WORDS[0]}" "${@}" "${words[@]}"
}

_smiley-hub() {
    local state
    state="$(shopt -p;shopt -po)"
    trap "${state//$'\n'/;}" RETURN
    shopt -s extglob
    set +o history +o posix

    local -xr SAP_SHELL=bash
    local -x SAP_SHELL_VERSION
    SAP_SHELL_VERSION="$(IFS='.';printf %s "${BASH_VERSINFO[*]}")"
    local -r SAP_SHELL_VERSION

    local -r cur="${2}"
    local -r prev="${3}"

    local -i positional_number
    local -a unparsed_words=("${COMP_WORDS[@]:1:${COMP_CWORD}}")

    local -a repeating_flags=()
    local -a non_repeating_flags=(--version -h --help)
    local -a repeating_options=()
    local -a non_repeating_options=()
    __smiley-hub_offer_flags_options 0

    # Offer subcommand / subcommand argument completions
    local -r subcommand="${unparsed_words[0]}"
    unset 'unparsed_words[0]'
    unparsed_words=("${unparsed_words[@]}")
    case "${subcommand}" in
    serve|centre|group|device|enroll|import|user|token|audit|action|report|display|alert|backup|migrate|help)
        # Offer subcommand argument completions
        "_smiley-hub_${subcommand}"
        ;;
    *)
        # Offer subcommand completions
        COMPREPLY+=($(compgen -W 'serve centre group device enroll import user token audit action report display alert backup migrate help' -- "${cur}"))
        ;;
    esac
}

_smiley-hub_serve() {
    repeating_flags=()
    non_repeating_flags=(--version -h --help)
    repeating_options=(--alert-mail-to)
    non_repeating_options=(--state-directory --host --port --log-level --tls-certificate --tls-key --minimum-count --maximum-connections --idle-timeout --request-timeout --lobby-font --lobby-strings --lobby-refresh --alert-interval --alert-webhook-url --alert-webhook-secret-file --smtp-host --smtp-port --smtp-from --smtp-user --smtp-password-file --smtp-security --smtp-ca-file --hub-url --metrics-token-file --database --database-password-file)
    __smiley-hub_offer_flags_options 0

    # Offer option value completions
    case "${prev}" in
    '--state-directory')
        return
        ;;
    '--host')
        return
        ;;
    '--port')
        return
        ;;
    '--log-level')
        return
        ;;
    '--tls-certificate')
        return
        ;;
    '--tls-key')
        return
        ;;
    '--minimum-count')
        return
        ;;
    '--maximum-connections')
        return
        ;;
    '--idle-timeout')
        return
        ;;
    '--request-timeout')
        return
        ;;
    '--lobby-font')
        return
        ;;
    '--lobby-strings')
        return
        ;;
    '--lobby-refresh')
        return
        ;;
    '--alert-interval')
        return
        ;;
    '--alert-webhook-url')
        return
        ;;
    '--alert-webhook-secret-file')
        return
        ;;
    '--smtp-host')
        return
        ;;
    '--smtp-port')
        return
        ;;
    '--smtp-from')
        return
        ;;
    '--smtp-user')
        return
        ;;
    '--smtp-password-file')
        return
        ;;
    '--smtp-security')
        return
        ;;
    '--smtp-ca-file')
        return
        ;;
    '--alert-mail-to')
        return
        ;;
    '--hub-url')
        return
        ;;
    '--metrics-token-file')
        return
        ;;
    '--database')
        return
        ;;
    '--database-password-file')
        return
        ;;
    esac
}

_smiley-hub_centre() {
    repeating_flags=()
    non_repeating_flags=(--version -h --help)
    repeating_options=()
    non_repeating_options=()
    __smiley-hub_offer_flags_options 0

    # Offer subcommand / subcommand argument completions
    local -r subcommand="${unparsed_words[0]}"
    unset 'unparsed_words[0]'
    unparsed_words=("${unparsed_words[@]}")
    case "${subcommand}" in
    add|set|list)
        # Offer subcommand argument completions
        "_smiley-hub_centre_${subcommand}"
        ;;
    *)
        # Offer subcommand completions
        COMPREPLY+=($(compgen -W 'add set list' -- "${cur}"))
        ;;
    esac
}

_smiley-hub_centre_add() {
    repeating_flags=()
    non_repeating_flags=(--version -h --help)
    repeating_options=()
    non_repeating_options=(--state-directory --database --database-password-file --name --time-zone)
    __smiley-hub_offer_flags_options 1

    # Offer option value completions
    case "${prev}" in
    '--state-directory')
        return
        ;;
    '--database')
        return
        ;;
    '--database-password-file')
        return
        ;;
    '--name')
        return
        ;;
    '--time-zone')
        return
        ;;
    esac
}

_smiley-hub_centre_set() {
    repeating_flags=()
    non_repeating_flags=(--clear-hours --no-group --version -h --help)
    repeating_options=(--holiday --remove-holiday)
    non_repeating_options=(--state-directory --database --database-password-file --hours --group)
    __smiley-hub_offer_flags_options 1

    # Offer option value completions
    case "${prev}" in
    '--state-directory')
        return
        ;;
    '--database')
        return
        ;;
    '--database-password-file')
        return
        ;;
    '--hours')
        return
        ;;
    '--holiday')
        return
        ;;
    '--remove-holiday')
        return
        ;;
    '--group')
        return
        ;;
    esac
}

_smiley-hub_centre_list() {
    repeating_flags=()
    non_repeating_flags=(--version -h --help)
    repeating_options=()
    non_repeating_options=(--state-directory --database --database-password-file)
    __smiley-hub_offer_flags_options 0

    # Offer option value completions
    case "${prev}" in
    '--state-directory')
        return
        ;;
    '--database')
        return
        ;;
    '--database-password-file')
        return
        ;;
    esac
}

_smiley-hub_group() {
    repeating_flags=()
    non_repeating_flags=(--version -h --help)
    repeating_options=()
    non_repeating_options=()
    __smiley-hub_offer_flags_options 0

    # Offer subcommand / subcommand argument completions
    local -r subcommand="${unparsed_words[0]}"
    unset 'unparsed_words[0]'
    unparsed_words=("${unparsed_words[@]}")
    case "${subcommand}" in
    add|list)
        # Offer subcommand argument completions
        "_smiley-hub_group_${subcommand}"
        ;;
    *)
        # Offer subcommand completions
        COMPREPLY+=($(compgen -W 'add list' -- "${cur}"))
        ;;
    esac
}

_smiley-hub_group_add() {
    repeating_flags=()
    non_repeating_flags=(--version -h --help)
    repeating_options=()
    non_repeating_options=(--state-directory --database --database-password-file)
    __smiley-hub_offer_flags_options 1

    # Offer option value completions
    case "${prev}" in
    '--state-directory')
        return
        ;;
    '--database')
        return
        ;;
    '--database-password-file')
        return
        ;;
    esac
}

_smiley-hub_group_list() {
    repeating_flags=()
    non_repeating_flags=(--version -h --help)
    repeating_options=()
    non_repeating_options=(--state-directory --database --database-password-file)
    __smiley-hub_offer_flags_options 0

    # Offer option value completions
    case "${prev}" in
    '--state-directory')
        return
        ;;
    '--database')
        return
        ;;
    '--database-password-file')
        return
        ;;
    esac
}

_smiley-hub_device() {
    repeating_flags=()
    non_repeating_flags=(--version -h --help)
    repeating_options=()
    non_repeating_options=()
    __smiley-hub_offer_flags_options 0

    # Offer subcommand / subcommand argument completions
    local -r subcommand="${unparsed_words[0]}"
    unset 'unparsed_words[0]'
    unparsed_words=("${unparsed_words[@]}")
    case "${subcommand}" in
    add|list|revoke|set-key)
        # Offer subcommand argument completions
        "_smiley-hub_device_${subcommand}"
        ;;
    *)
        # Offer subcommand completions
        COMPREPLY+=($(compgen -W 'add list revoke set-key' -- "${cur}"))
        ;;
    esac
}

_smiley-hub_device_add() {
    repeating_flags=()
    non_repeating_flags=(--version -h --help)
    repeating_options=()
    non_repeating_options=(--state-directory --database --database-password-file --centre --token-file --public-key)
    __smiley-hub_offer_flags_options 1

    # Offer option value completions
    case "${prev}" in
    '--state-directory')
        return
        ;;
    '--database')
        return
        ;;
    '--database-password-file')
        return
        ;;
    '--centre')
        return
        ;;
    '--token-file')
        return
        ;;
    '--public-key')
        return
        ;;
    esac
}

_smiley-hub_device_list() {
    repeating_flags=()
    non_repeating_flags=(--version -h --help)
    repeating_options=()
    non_repeating_options=(--state-directory --database --database-password-file)
    __smiley-hub_offer_flags_options 0

    # Offer option value completions
    case "${prev}" in
    '--state-directory')
        return
        ;;
    '--database')
        return
        ;;
    '--database-password-file')
        return
        ;;
    esac
}

_smiley-hub_device_revoke() {
    repeating_flags=()
    non_repeating_flags=(--version -h --help)
    repeating_options=()
    non_repeating_options=(--state-directory --database --database-password-file)
    __smiley-hub_offer_flags_options 1

    # Offer option value completions
    case "${prev}" in
    '--state-directory')
        return
        ;;
    '--database')
        return
        ;;
    '--database-password-file')
        return
        ;;
    esac
}

_smiley-hub_device_set-key() {
    repeating_flags=()
    non_repeating_flags=(--version -h --help)
    repeating_options=()
    non_repeating_options=(--state-directory --database --database-password-file --public-key)
    __smiley-hub_offer_flags_options 1

    # Offer option value completions
    case "${prev}" in
    '--state-directory')
        return
        ;;
    '--database')
        return
        ;;
    '--database-password-file')
        return
        ;;
    '--public-key')
        return
        ;;
    esac
}

_smiley-hub_enroll() {
    repeating_flags=()
    non_repeating_flags=(--version -h --help)
    repeating_options=()
    non_repeating_options=(--state-directory --database --database-password-file --centre --expires)
    __smiley-hub_offer_flags_options 0

    # Offer option value completions
    case "${prev}" in
    '--state-directory')
        return
        ;;
    '--database')
        return
        ;;
    '--database-password-file')
        return
        ;;
    '--centre')
        return
        ;;
    '--expires')
        return
        ;;
    esac
}

_smiley-hub_import() {
    repeating_flags=()
    non_repeating_flags=(--version -h --help)
    repeating_options=()
    non_repeating_options=(--state-directory --database --database-password-file)
    __smiley-hub_offer_flags_options 1

    # Offer option value completions
    case "${prev}" in
    '--state-directory')
        return
        ;;
    '--database')
        return
        ;;
    '--database-password-file')
        return
        ;;
    esac
}

_smiley-hub_user() {
    repeating_flags=()
    non_repeating_flags=(--version -h --help)
    repeating_options=()
    non_repeating_options=()
    __smiley-hub_offer_flags_options 0

    # Offer subcommand / subcommand argument completions
    local -r subcommand="${unparsed_words[0]}"
    unset 'unparsed_words[0]'
    unparsed_words=("${unparsed_words[@]}")
    case "${subcommand}" in
    add|list|grant|revoke|remove|reset-password|totp|email)
        # Offer subcommand argument completions
        "_smiley-hub_user_${subcommand}"
        ;;
    *)
        # Offer subcommand completions
        COMPREPLY+=($(compgen -W 'add list grant revoke remove reset-password totp email' -- "${cur}"))
        ;;
    esac
}

_smiley-hub_user_add() {
    repeating_flags=()
    non_repeating_flags=(--password-stdin --version -h --help)
    repeating_options=(--centre --group)
    non_repeating_options=(--state-directory --database --database-password-file --role --hub-url --link-expires --bcrypt-cost)
    __smiley-hub_offer_flags_options 1

    # Offer option value completions
    case "${prev}" in
    '--state-directory')
        return
        ;;
    '--database')
        return
        ;;
    '--database-password-file')
        return
        ;;
    '--role')
        return
        ;;
    '--centre')
        return
        ;;
    '--group')
        return
        ;;
    '--hub-url')
        return
        ;;
    '--link-expires')
        return
        ;;
    '--bcrypt-cost')
        return
        ;;
    esac
}

_smiley-hub_user_list() {
    repeating_flags=()
    non_repeating_flags=(--version -h --help)
    repeating_options=()
    non_repeating_options=(--state-directory --database --database-password-file)
    __smiley-hub_offer_flags_options 0

    # Offer option value completions
    case "${prev}" in
    '--state-directory')
        return
        ;;
    '--database')
        return
        ;;
    '--database-password-file')
        return
        ;;
    esac
}

_smiley-hub_user_grant() {
    repeating_flags=()
    non_repeating_flags=(--version -h --help)
    repeating_options=(--centre --group)
    non_repeating_options=(--state-directory --database --database-password-file)
    __smiley-hub_offer_flags_options 1

    # Offer option value completions
    case "${prev}" in
    '--state-directory')
        return
        ;;
    '--database')
        return
        ;;
    '--database-password-file')
        return
        ;;
    '--centre')
        return
        ;;
    '--group')
        return
        ;;
    esac
}

_smiley-hub_user_revoke() {
    repeating_flags=()
    non_repeating_flags=(--version -h --help)
    repeating_options=(--centre --group)
    non_repeating_options=(--state-directory --database --database-password-file)
    __smiley-hub_offer_flags_options 1

    # Offer option value completions
    case "${prev}" in
    '--state-directory')
        return
        ;;
    '--database')
        return
        ;;
    '--database-password-file')
        return
        ;;
    '--centre')
        return
        ;;
    '--group')
        return
        ;;
    esac
}

_smiley-hub_user_remove() {
    repeating_flags=()
    non_repeating_flags=(--version -h --help)
    repeating_options=()
    non_repeating_options=(--state-directory --database --database-password-file)
    __smiley-hub_offer_flags_options 1

    # Offer option value completions
    case "${prev}" in
    '--state-directory')
        return
        ;;
    '--database')
        return
        ;;
    '--database-password-file')
        return
        ;;
    esac
}

_smiley-hub_user_reset-password() {
    repeating_flags=()
    non_repeating_flags=(--password-stdin --version -h --help)
    repeating_options=()
    non_repeating_options=(--state-directory --database --database-password-file --hub-url --link-expires --bcrypt-cost)
    __smiley-hub_offer_flags_options 1

    # Offer option value completions
    case "${prev}" in
    '--state-directory')
        return
        ;;
    '--database')
        return
        ;;
    '--database-password-file')
        return
        ;;
    '--hub-url')
        return
        ;;
    '--link-expires')
        return
        ;;
    '--bcrypt-cost')
        return
        ;;
    esac
}

_smiley-hub_user_totp() {
    repeating_flags=()
    non_repeating_flags=(--disable --version -h --help)
    repeating_options=()
    non_repeating_options=(--state-directory --database --database-password-file)
    __smiley-hub_offer_flags_options 1

    # Offer option value completions
    case "${prev}" in
    '--state-directory')
        return
        ;;
    '--database')
        return
        ;;
    '--database-password-file')
        return
        ;;
    esac
}

_smiley-hub_user_email() {
    repeating_flags=()
    non_repeating_flags=(--none --version -h --help)
    repeating_options=()
    non_repeating_options=(--state-directory --database --database-password-file)
    __smiley-hub_offer_flags_options 2

    # Offer option value completions
    case "${prev}" in
    '--state-directory')
        return
        ;;
    '--database')
        return
        ;;
    '--database-password-file')
        return
        ;;
    esac
}

_smiley-hub_token() {
    repeating_flags=()
    non_repeating_flags=(--version -h --help)
    repeating_options=()
    non_repeating_options=()
    __smiley-hub_offer_flags_options 0

    # Offer subcommand / subcommand argument completions
    local -r subcommand="${unparsed_words[0]}"
    unset 'unparsed_words[0]'
    unparsed_words=("${unparsed_words[@]}")
    case "${subcommand}" in
    create|list|revoke)
        # Offer subcommand argument completions
        "_smiley-hub_token_${subcommand}"
        ;;
    *)
        # Offer subcommand completions
        COMPREPLY+=($(compgen -W 'create list revoke' -- "${cur}"))
        ;;
    esac
}

_smiley-hub_token_create() {
    repeating_flags=()
    non_repeating_flags=(--version -h --help)
    repeating_options=()
    non_repeating_options=(--state-directory --database --database-password-file --name --expires)
    __smiley-hub_offer_flags_options 1

    # Offer option value completions
    case "${prev}" in
    '--state-directory')
        return
        ;;
    '--database')
        return
        ;;
    '--database-password-file')
        return
        ;;
    '--name')
        return
        ;;
    '--expires')
        return
        ;;
    esac
}

_smiley-hub_token_list() {
    repeating_flags=()
    non_repeating_flags=(--version -h --help)
    repeating_options=()
    non_repeating_options=(--state-directory --database --database-password-file)
    __smiley-hub_offer_flags_options 1

    # Offer option value completions
    case "${prev}" in
    '--state-directory')
        return
        ;;
    '--database')
        return
        ;;
    '--database-password-file')
        return
        ;;
    esac
}

_smiley-hub_token_revoke() {
    repeating_flags=()
    non_repeating_flags=(--version -h --help)
    repeating_options=()
    non_repeating_options=(--state-directory --database --database-password-file)
    __smiley-hub_offer_flags_options 1

    # Offer option value completions
    case "${prev}" in
    '--state-directory')
        return
        ;;
    '--database')
        return
        ;;
    '--database-password-file')
        return
        ;;
    esac
}

_smiley-hub_audit() {
    repeating_flags=()
    non_repeating_flags=(--version -h --help)
    repeating_options=()
    non_repeating_options=(--state-directory --database --database-password-file --limit)
    __smiley-hub_offer_flags_options 0

    # Offer option value completions
    case "${prev}" in
    '--state-directory')
        return
        ;;
    '--database')
        return
        ;;
    '--database-password-file')
        return
        ;;
    '--limit')
        return
        ;;
    esac
}

_smiley-hub_action() {
    repeating_flags=()
    non_repeating_flags=(--version -h --help)
    repeating_options=()
    non_repeating_options=()
    __smiley-hub_offer_flags_options 0

    # Offer subcommand / subcommand argument completions
    local -r subcommand="${unparsed_words[0]}"
    unset 'unparsed_words[0]'
    unparsed_words=("${unparsed_words[@]}")
    case "${subcommand}" in
    add|list|remove)
        # Offer subcommand argument completions
        "_smiley-hub_action_${subcommand}"
        ;;
    *)
        # Offer subcommand completions
        COMPREPLY+=($(compgen -W 'add list remove' -- "${cur}"))
        ;;
    esac
}

_smiley-hub_action_add() {
    repeating_flags=()
    non_repeating_flags=(--version -h --help)
    repeating_options=()
    non_repeating_options=(--state-directory --database --database-password-file --date --hours)
    __smiley-hub_offer_flags_options 2

    # Offer option value completions
    case "${prev}" in
    '--state-directory')
        return
        ;;
    '--database')
        return
        ;;
    '--database-password-file')
        return
        ;;
    '--date')
        return
        ;;
    '--hours')
        return
        ;;
    esac
}

_smiley-hub_action_list() {
    repeating_flags=()
    non_repeating_flags=(--version -h --help)
    repeating_options=()
    non_repeating_options=(--state-directory --database --database-password-file)
    __smiley-hub_offer_flags_options 1

    # Offer option value completions
    case "${prev}" in
    '--state-directory')
        return
        ;;
    '--database')
        return
        ;;
    '--database-password-file')
        return
        ;;
    esac
}

_smiley-hub_action_remove() {
    repeating_flags=()
    non_repeating_flags=(--version -h --help)
    repeating_options=()
    non_repeating_options=(--state-directory --database --database-password-file)
    __smiley-hub_offer_flags_options 2

    # Offer option value completions
    case "${prev}" in
    '--state-directory')
        return
        ;;
    '--database')
        return
        ;;
    '--database-password-file')
        return
        ;;
    esac
}

_smiley-hub_report() {
    repeating_flags=()
    non_repeating_flags=(--version -h --help)
    repeating_options=()
    non_repeating_options=()
    __smiley-hub_offer_flags_options 0

    # Offer subcommand / subcommand argument completions
    local -r subcommand="${unparsed_words[0]}"
    unset 'unparsed_words[0]'
    unparsed_words=("${unparsed_words[@]}")
    case "${subcommand}" in
    weekly|send|status)
        # Offer subcommand argument completions
        "_smiley-hub_report_${subcommand}"
        ;;
    *)
        # Offer subcommand completions
        COMPREPLY+=($(compgen -W 'weekly send status' -- "${cur}"))
        ;;
    esac
}

_smiley-hub_report_weekly() {
    repeating_flags=()
    non_repeating_flags=(--version -h --help)
    repeating_options=()
    non_repeating_options=(--state-directory --database --database-password-file --centre --week --output --text-output --minimum-count)
    __smiley-hub_offer_flags_options 0

    # Offer option value completions
    case "${prev}" in
    '--state-directory')
        return
        ;;
    '--database')
        return
        ;;
    '--database-password-file')
        return
        ;;
    '--centre')
        return
        ;;
    '--week')
        return
        ;;
    '--output')
        return
        ;;
    '--text-output')
        return
        ;;
    '--minimum-count')
        return
        ;;
    esac
}

_smiley-hub_report_send() {
    repeating_flags=()
    non_repeating_flags=(--version -h --help)
    repeating_options=(--alert-mail-to)
    non_repeating_options=(--state-directory --database --database-password-file --alert-webhook-url --alert-webhook-secret-file --smtp-host --smtp-port --smtp-from --smtp-user --smtp-password-file --smtp-security --smtp-ca-file --hub-url --minimum-count)
    __smiley-hub_offer_flags_options 0

    # Offer option value completions
    case "${prev}" in
    '--state-directory')
        return
        ;;
    '--database')
        return
        ;;
    '--database-password-file')
        return
        ;;
    '--alert-webhook-url')
        return
        ;;
    '--alert-webhook-secret-file')
        return
        ;;
    '--smtp-host')
        return
        ;;
    '--smtp-port')
        return
        ;;
    '--smtp-from')
        return
        ;;
    '--smtp-user')
        return
        ;;
    '--smtp-password-file')
        return
        ;;
    '--smtp-security')
        return
        ;;
    '--smtp-ca-file')
        return
        ;;
    '--alert-mail-to')
        return
        ;;
    '--hub-url')
        return
        ;;
    '--minimum-count')
        return
        ;;
    esac
}

_smiley-hub_report_status() {
    repeating_flags=()
    non_repeating_flags=(--version -h --help)
    repeating_options=()
    non_repeating_options=(--state-directory --database --database-password-file --centre)
    __smiley-hub_offer_flags_options 0

    # Offer option value completions
    case "${prev}" in
    '--state-directory')
        return
        ;;
    '--database')
        return
        ;;
    '--database-password-file')
        return
        ;;
    '--centre')
        return
        ;;
    esac
}

_smiley-hub_display() {
    repeating_flags=()
    non_repeating_flags=(--version -h --help)
    repeating_options=()
    non_repeating_options=()
    __smiley-hub_offer_flags_options 0

    # Offer subcommand / subcommand argument completions
    local -r subcommand="${unparsed_words[0]}"
    unset 'unparsed_words[0]'
    unparsed_words=("${unparsed_words[@]}")
    case "${subcommand}" in
    create|list|revoke)
        # Offer subcommand argument completions
        "_smiley-hub_display_${subcommand}"
        ;;
    *)
        # Offer subcommand completions
        COMPREPLY+=($(compgen -W 'create list revoke' -- "${cur}"))
        ;;
    esac
}

_smiley-hub_display_create() {
    repeating_flags=()
    non_repeating_flags=(--version -h --help)
    repeating_options=()
    non_repeating_options=(--state-directory --database --database-password-file --label --base-url)
    __smiley-hub_offer_flags_options 1

    # Offer option value completions
    case "${prev}" in
    '--state-directory')
        return
        ;;
    '--database')
        return
        ;;
    '--database-password-file')
        return
        ;;
    '--label')
        return
        ;;
    '--base-url')
        return
        ;;
    esac
}

_smiley-hub_display_list() {
    repeating_flags=()
    non_repeating_flags=(--version -h --help)
    repeating_options=()
    non_repeating_options=(--state-directory --database --database-password-file)
    __smiley-hub_offer_flags_options 1

    # Offer option value completions
    case "${prev}" in
    '--state-directory')
        return
        ;;
    '--database')
        return
        ;;
    '--database-password-file')
        return
        ;;
    esac
}

_smiley-hub_display_revoke() {
    repeating_flags=()
    non_repeating_flags=(--version -h --help)
    repeating_options=()
    non_repeating_options=(--state-directory --database --database-password-file)
    __smiley-hub_offer_flags_options 1

    # Offer option value completions
    case "${prev}" in
    '--state-directory')
        return
        ;;
    '--database')
        return
        ;;
    '--database-password-file')
        return
        ;;
    esac
}

_smiley-hub_alert() {
    repeating_flags=()
    non_repeating_flags=(--version -h --help)
    repeating_options=()
    non_repeating_options=()
    __smiley-hub_offer_flags_options 0

    # Offer subcommand / subcommand argument completions
    local -r subcommand="${unparsed_words[0]}"
    unset 'unparsed_words[0]'
    unparsed_words=("${unparsed_words[@]}")
    case "${subcommand}" in
    list|acknowledge|rules|set|reset|deliveries|retry)
        # Offer subcommand argument completions
        "_smiley-hub_alert_${subcommand}"
        ;;
    *)
        # Offer subcommand completions
        COMPREPLY+=($(compgen -W 'list acknowledge rules set reset deliveries retry' -- "${cur}"))
        ;;
    esac
}

_smiley-hub_alert_list() {
    repeating_flags=()
    non_repeating_flags=(--version -h --help)
    repeating_options=()
    non_repeating_options=(--state-directory --database --database-password-file --centre --limit)
    __smiley-hub_offer_flags_options 0

    # Offer option value completions
    case "${prev}" in
    '--state-directory')
        return
        ;;
    '--database')
        return
        ;;
    '--database-password-file')
        return
        ;;
    '--centre')
        return
        ;;
    '--limit')
        return
        ;;
    esac
}

_smiley-hub_alert_acknowledge() {
    repeating_flags=()
    non_repeating_flags=(--version -h --help)
    repeating_options=()
    non_repeating_options=(--state-directory --database --database-password-file --comment)
    __smiley-hub_offer_flags_options 1

    # Offer option value completions
    case "${prev}" in
    '--state-directory')
        return
        ;;
    '--database')
        return
        ;;
    '--database-password-file')
        return
        ;;
    '--comment')
        return
        ;;
    esac
}

_smiley-hub_alert_rules() {
    repeating_flags=()
    non_repeating_flags=(--version -h --help)
    repeating_options=()
    non_repeating_options=(--state-directory --database --database-password-file)
    __smiley-hub_offer_flags_options 1

    # Offer option value completions
    case "${prev}" in
    '--state-directory')
        return
        ;;
    '--database')
        return
        ;;
    '--database-password-file')
        return
        ;;
    esac
}

_smiley-hub_alert_set() {
    repeating_flags=()
    non_repeating_flags=(--version -h --help)
    repeating_options=()
    non_repeating_options=(--state-directory --database --database-password-file)
    __smiley-hub_offer_flags_options -1

    # Offer option value completions
    case "${prev}" in
    '--state-directory')
        return
        ;;
    '--database')
        return
        ;;
    '--database-password-file')
        return
        ;;
    esac
}

_smiley-hub_alert_reset() {
    repeating_flags=()
    non_repeating_flags=(--version -h --help)
    repeating_options=()
    non_repeating_options=(--state-directory --database --database-password-file)
    __smiley-hub_offer_flags_options 1

    # Offer option value completions
    case "${prev}" in
    '--state-directory')
        return
        ;;
    '--database')
        return
        ;;
    '--database-password-file')
        return
        ;;
    esac
}

_smiley-hub_alert_deliveries() {
    repeating_flags=()
    non_repeating_flags=(--version -h --help)
    repeating_options=()
    non_repeating_options=(--state-directory --database --database-password-file --centre --limit)
    __smiley-hub_offer_flags_options 0

    # Offer option value completions
    case "${prev}" in
    '--state-directory')
        return
        ;;
    '--database')
        return
        ;;
    '--database-password-file')
        return
        ;;
    '--centre')
        return
        ;;
    '--limit')
        return
        ;;
    esac
}

_smiley-hub_alert_retry() {
    repeating_flags=()
    non_repeating_flags=(--version -h --help)
    repeating_options=()
    non_repeating_options=(--state-directory --database --database-password-file)
    __smiley-hub_offer_flags_options 1

    # Offer option value completions
    case "${prev}" in
    '--state-directory')
        return
        ;;
    '--database')
        return
        ;;
    '--database-password-file')
        return
        ;;
    esac
}

_smiley-hub_backup() {
    repeating_flags=()
    non_repeating_flags=(--version -h --help)
    repeating_options=()
    non_repeating_options=(--state-directory)
    __smiley-hub_offer_flags_options 1

    # Offer option value completions
    case "${prev}" in
    '--state-directory')
        return
        ;;
    esac
}

_smiley-hub_migrate() {
    repeating_flags=()
    non_repeating_flags=(--version -h --help)
    repeating_options=()
    non_repeating_options=(--from --to --database-password-file)
    __smiley-hub_offer_flags_options 0

    # Offer option value completions
    case "${prev}" in
    '--from')
        return
        ;;
    '--to')
        return
        ;;
    '--database-password-file')
        return
        ;;
    esac
}

_smiley-hub_help() {
    repeating_flags=()
    non_repeating_flags=(--version)
    repeating_options=()
    non_repeating_options=()
    __smiley-hub_offer_flags_options -1
}

complete -o filenames -F _smiley-hub smiley-hub
