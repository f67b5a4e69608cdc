"""The registry covers every row of the reference table, by canonical name and by display name."""

from __future__ import annotations

import pytest

from trowel.timestamps import UnknownFormat, all_formats, get_format, stamp
from trowel.timestamps.base import Format
from trowel.timestamps.registry import Registry

# Every "format" cell of the reference table (shared/reference/timestamps.md), as written there.
REFERENCE_ROWS = [
    "Active Directory/LDAP", "Apache Cookie Hex time", "APFS time", "Apple Biome 64-bit decimal",
    "Apple Biome Hex time", "Apple NSDate - bplist / Cocoa", "Apple NSDate - iOS 11+", "Apple NSDate - Mac Absolute",
    "AWS X-Ray trace ID time", "Binary Coded Decimal", "BitDate time", "Bitwise Decimal time", "Bluesky TID time",
    "Btrfs inode time", "CDMA SMS time", "cuid time", "DHCPv6 DUID time", "Discord time",
    "DVR (WFS / DHFS) File System", "exFAT time", "exFAT time with extras", "ext4 inode time",
    "Facebook cookie time", "FAT Date + Time", "Firebase Push ID time", "Garmin FIT time", "GMail Boundary time",
    "GMail Message ID time", "Google Analytics cookie time", "Google Chrome", "Google EI time", "Google GCLID time",
    "Google VED time", "GPS time", "GSM time", "HFS / HFS+ 32-bit Hex BE", "HFS / HFS+ 32-bit Hex LE",
    "HFS+ Decimal Time", "Horolog Time", "Instagram time", "ISO 9660 recording date", "JET LogTime",
    "Julian Date decimal", "Julian Date hex", "KSUID Alpha-numeric", "KSUID Decimal", "LEB128 Hex time",
    "LinkedIn Activity time", "Mars Sol Date time", "Mastodon time", "MATLAB datenum", "Matroska/WebM time",
    "Metasploit Payload UUID", "Microsoft .NET Ticks", "Microsoft .NET ToBinary", "Microsoft 128-bit SYSTEMTIME",
    "Microsoft DTTM date", "Microsoft Excel 1904 date", "Microsoft Hotmail time", "Microsoft MS-DOS 32-bit Hex",
    "Microsoft SQL Server date", "Microsoft SQL Server date LE", "Modified Julian Date", "MongoDB ObjectId time",
    "Motorola time", "Mozilla PRTime", "MySQL DATETIME", "Nokia S40 time", "Nokia S40 time LE", "Nokia time",
    "Nokia time LE", "NTP 64-bit hex", "NTP time", "Oracle DATE", "Parquet INT96 time", "pcap record time",
    "pcap record time BE", "PostgreSQL timestamp", "PostgreSQL timestamp hex BE", "PostgreSQL timestamp hex LE",
    "QuickTime/MP4 time", "S32 Encoded (Bluesky) time", "SAS date", "SAS datetime", "Semi-Octet decimal",
    "Sonyflake time", "SPSS date", "Star Trek TNG Stardate", "Star Trek TOS Stardate", "Stata %tc time",
    "Symantec AV time", "Symbian time", "TAI Milliseconds", "TAI Seconds", "TAI64N time", "tar header time",
    "Telegram MTProto ID time", "TikTok time", "Twitter time", "UDF timestamp", "UEFI EFI_TIME", "ULID time",
    "Unix Days", "Unix Hex 32-bit BE", "Unix Hex 32-bit LE", "Unix Milliseconds", "Unix Milliseconds hex",
    "Unix Nanoseconds", "Unix Seconds", "Unix Seconds with fraction", "UUID time", "UUID v6 time", "UUID v7 time",
    "VMSD time", "Windows Cookie Date", "Windows FILETIME (Low|High)", "Windows FILETIME BE", "Windows FILETIME LE",
    "Windows OLE 64-bit hex BE", "Windows OLE 64-bit hex LE", "Windows OLE Automation Date", "XFS bigtime",
    "XFS inode time", "xid time",
]
DECODE_ONLY = {"ga_cookie", "gclid", "ved", "metasploit_uuid"}


def test_every_reference_row_is_registered() -> None:
    assert len(REFERENCE_ROWS) == 124
    for row in REFERENCE_ROWS:
        fmt = get_format(row)
        assert fmt.display == row


def test_canonical_names_and_aliases() -> None:
    expected = {"unix_s", "unix_ms", "unix_us", "unix_ns", "chrome", "filetime_le", "filetime_be", "gps", "cocoa",
                "hfs_plus", "dos_le", "fat_date_time", "exfat", "nokia", "nokia_plus1", "gsm", "iso9660", "udf",
                "efi_time", "exfat_extras"}
    names = {f.name for f in all_formats()}
    assert expected <= names
    assert get_format("webkit") is get_format("chrome")
    assert get_format("WEBKIT") is get_format("Google Chrome")
    assert get_format("unix-ms") is get_format("unix_ms")
    assert {f.name for f in all_formats() if f.decode_only} == DECODE_ONLY
    for f in all_formats():
        assert f.name == f.name.lower() and " " not in f.name
        assert f.encoding and f.display


def test_unknown_names_list_close_matches() -> None:
    with pytest.raises(UnknownFormat, match=r"did you mean unix_s"):
        get_format("unix_sec")
    with pytest.raises(UnknownFormat, match=r"did you mean .*filetime"):
        get_format("filetim_le")
    value = stamp(1, "no such format at all")
    assert value.unix_ns is None and value.error and "unknown timestamp format" in value.error


def test_registry_refuses_duplicates() -> None:
    class One(Format):
        name, display, aliases = "one", "One", ("uno",)

    class Two(Format):
        name, display, aliases = "two", "Two", ("uno",)

    registry = Registry()
    registry.add(One())
    with pytest.raises(ValueError, match="already belongs to one"):
        registry.add(Two())

    class Bad(Format):
        name = "Not Snake"

    with pytest.raises(ValueError, match="snake_case"):
        registry.add(Bad())


def test_local_clock_formats() -> None:
    local = {f.name for f in all_formats() if f.clock.value == "local"}
    assert {"bcd", "cdma_sms", "semi_octet", "dos_le", "fat_date_time", "exfat", "dvr", "bitdate", "dttm",
            "horolog", "oracle_date", "sqlserver", "sqlserver_le", "hfs_be", "hfs_le", "mysql_datetime"} <= local
    assert not {"gsm", "iso9660", "unix_s", "gps", "hfs_plus_be"} & local


def test_every_format_module_is_loaded() -> None:
    import importlib
    import pkgutil

    import trowel.timestamps as package
    from trowel.timestamps.catalog import MODULE_NAMES

    with_formats = set()
    for info in pkgutil.iter_modules(package.__path__):
        module = importlib.import_module(f"trowel.timestamps.{info.name}")
        if hasattr(module, "FORMATS"):
            with_formats.add(info.name)
            assert all(f in set(all_formats()) for f in module.FORMATS)
    assert with_formats == set(MODULE_NAMES)
