# shellcheck shell=bash
# Sourced by scripts/vmtest and scripts/guest-boot: the one definition of the
# guest's options, their defaults and their checks. Each option lives in a
# variable guest_<name>; guest_opt NAME VALUE checks a value and sets it,
# guest_opts_check the options' agreement with each other. A bad value is a
# usage error (exit 2) naming the option, before anything is built or booted.
# (Needs env.sh for harness_die.)

guest_lane=mock
guest_iommu=intel
guest_iommu_given=0
# A machine property (a CI runner may know that its /dev/kvm does not work).
guest_accel=${HARNESS_ACCEL:-auto}
guest_timeout=900
guest_memory=2G
guest_hugepages=128

# guest_size_mib SIZE: SIZE (a number with M or G) in MiB, or nothing.
guest_size_mib() {
	case $1 in
	*[!0-9MG]* | "" | [MG]* | *[MG]?*) return 1 ;;
	*G) echo $((${1%G} * 1024)) ;;
	*M) echo "${1%M}" ;;
	*) return 1 ;;
	esac
}

# guest_opt NAME VALUE [--all-ok]: checks VALUE for option NAME and sets
# guest_NAME. --all-ok: "all" is accepted for --iommu (vmtest's loop).
guest_opt() {
	local name=$1 value=$2 all_ok=${3:-}
	case $name in
	lane)
		case $value in mock | vfio) ;; *) harness_die "--lane must be mock or vfio, not '$value'" ;; esac ;;
	iommu)
		case $value in
		intel | amd | virtio) ;;
		all) [ "$all_ok" = --all-ok ] || harness_die "--iommu must be intel, amd or virtio, not '$value'" ;;
		*) harness_die "--iommu must be intel, amd, virtio${all_ok:+ or all}, not '$value'" ;;
		esac
		guest_iommu_given=1 ;;
	accel)
		case $value in auto | kvm | tcg) ;; *) harness_die "--accel must be auto, kvm or tcg, not '$value'${HARNESS_ACCEL:+ (HARNESS_ACCEL=$HARNESS_ACCEL)}" ;; esac ;;
	timeout)
		[[ $value =~ ^[0-9]+$ ]] && [ "$value" -gt 0 ] ||
			harness_die "--timeout needs a positive number of seconds, not '$value'" ;;
	memory)
		guest_size_mib "$value" >/dev/null ||
			harness_die "--memory needs a size with its unit, e.g. 2G or 1536M, not '$value'" ;;
	hugepages)
		[[ $value =~ ^[0-9]+$ ]] ||
			harness_die "--hugepages needs a count of 2 MiB pages (0 or more), not '$value'" ;;
	*) harness_die "guest_opt: no option '$name'" ;;
	esac
	printf -v "guest_$name" '%s' "$value"
}

# The least memory a guest boots and runs the suite in, besides its hugepages
# (measured: the suite needs about 300 MiB beside the page cache of the
# host's root, which the guest reads over 9p).
guest_min_free_mib=512

# guest_opts_check: the options against each other.
guest_opts_check() {
	local mib
	mib=$(guest_size_mib "$guest_memory")
	[ "$mib" -ge $((guest_min_free_mib + 2 * guest_hugepages)) ] ||
		harness_die "--memory $guest_memory is too small: the guest needs ${guest_min_free_mib} MiB besides its $guest_hugepages hugepages ($((2 * guest_hugepages)) MiB), at least $((guest_min_free_mib + 2 * guest_hugepages))M"
	[ "$guest_lane" = vfio ] || [ "$guest_iommu_given" = 0 ] ||
		harness_die "--iommu $guest_iommu needs --lane vfio: the mock lane boots without an IOMMU"
}

# guest_boot_args: the options as scripts/guest-boot takes them (one guest:
# IOMMU given by the caller where the lane has one).
guest_boot_args() {
	printf '%s\n' --lane "$guest_lane" --accel "$guest_accel" --timeout "$guest_timeout" \
		--memory "$guest_memory" --hugepages "$guest_hugepages"
}
