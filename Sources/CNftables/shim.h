#ifndef HOTPLUGD_CNFTABLES_SHIM_H
#define HOTPLUGD_CNFTABLES_SHIM_H
#include <nftables/libnftables.h>
/* The nftables event messages the firewall stage watches for. */
#include <linux/netlink.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nf_tables.h>
#endif
