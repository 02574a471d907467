using System.Globalization;
using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace EnergyPipeline.Ingestor.Data;

/// <summary>
/// What the ingestor knows of a file it reads, taken before and after the read: its length, its last modification
/// time and, on Linux, its identity (device and inode, through statx, on the open handle and on the path). A file
/// that grew, shrank, was replaced under its name or was written to (a new modification time) changed while it was
/// read, and nothing of that ingestion may be used. A same-length rewrite in place within one tick of the file
/// system's clock leaves all of these alike and is not detectable.
/// </summary>
public sealed partial record SourceFileState(long Length, long ModifiedSeconds, uint ModifiedNanoseconds, ulong? Device, ulong? Inode)
{
    /// <summary>The state of the open file behind <paramref name="handle"/>.</summary>
    public static SourceFileState Of(SafeFileHandle handle)
    {
        if (OperatingSystem.IsLinux() && Statx.TryOf(handle, out var state))
        {
            return state;
        }

        var info = File.GetLastWriteTimeUtc(handle);
        return FromClock(RandomAccess.GetLength(handle), info);
    }

    /// <summary>The state of whatever file <paramref name="path"/> names now; null when nothing does.</summary>
    public static SourceFileState? OfPath(string path)
    {
        if (OperatingSystem.IsLinux())
        {
            if (Statx.TryOf(path, out var state, out var missing))
            {
                return state;
            }

            if (missing)
            {
                return null;
            }
        }

        var info = new FileInfo(path);
        return info.Exists ? FromClock(info.Length, info.LastWriteTimeUtc) : null;
    }

    /// <summary>
    /// Null when the file read from <paramref name="handle"/> is, after the read, the file it was before
    /// (<paramref name="before"/>), still under <paramref name="path"/>, and <paramref name="bytesRead"/> is its
    /// length; else the one-line reason naming the file and what changed.
    /// </summary>
    public static string? WhatChanged(string path, SourceFileState before, SafeFileHandle handle, long bytesRead)
    {
        var after = Of(handle);
        var now = OfPath(path);
        var what = now is null ? "was removed or renamed"
            : now.Inode is not null && (now.Device, now.Inode) != (before.Device, before.Inode)
                ? $"was replaced by another file (inode {before.Inode} became {now.Inode})"
            : after.Length > before.Length ? $"grew from {N(before.Length)} to {N(after.Length)} bytes"
            : after.Length < before.Length ? $"was truncated from {N(before.Length)} to {N(after.Length)} bytes"
            : bytesRead != before.Length ? $"was {N(before.Length)} bytes when opened, but {N(bytesRead)} bytes were read"
            : (after.ModifiedSeconds, after.ModifiedNanoseconds) != (before.ModifiedSeconds, before.ModifiedNanoseconds)
                ? $"was written to (its modification time went from {Time(before)} to {Time(after)})"
            : null;
        return what is null
            ? null
            : $"the file {path} changed while it was read: it {what}; nothing of this ingestion is used (no completion record): " +
              "ingest the file again once it is complete and no longer written";
    }

    private static SourceFileState FromClock(long length, DateTime lastWriteUtc)
    {
        var ticks = lastWriteUtc.Ticks - DateTime.UnixEpoch.Ticks;
        return new SourceFileState(length, ticks / TimeSpan.TicksPerSecond, (uint)(ticks % TimeSpan.TicksPerSecond * 100), null, null);
    }

    private static string N(long value) => value.ToString("N0", CultureInfo.InvariantCulture);

    private static string Time(SourceFileState state) =>
        DateTime.UnixEpoch.AddSeconds(state.ModifiedSeconds).AddTicks(state.ModifiedNanoseconds / 100)
            .ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture);

    /// <summary>
    /// glibc's statx(2): unlike struct stat, struct statx has one layout on every architecture (linux
    /// include/uapi/linux/stat.h), so the offsets below hold on x64 and arm64 alike.
    /// </summary>
    private static partial class Statx
    {
        private const int AtFdCwd = -100;
        private const int AtEmptyPath = 0x1000;
        private const uint MaskBasicStats = 0x7FF;
        private const int BufferSize = 256;
        private const int InodeOffset = 32;
        private const int SizeOffset = 40;
        private const int ModifiedOffset = 112;
        private const int DeviceMajorOffset = 136;
        private const int DeviceMinorOffset = 140;
        private const int NoSuchFile = 2;

        public static bool TryOf(SafeFileHandle handle, out SourceFileState state)
        {
            var added = false;
            handle.DangerousAddRef(ref added);
            try
            {
                return TryCall((int)handle.DangerousGetHandle(), "", AtEmptyPath, out state, out _);
            }
            finally
            {
                if (added)
                {
                    handle.DangerousRelease();
                }
            }
        }

        public static bool TryOf(string path, out SourceFileState state, out bool missing) => TryCall(AtFdCwd, path, 0, out state, out missing);

        private static unsafe bool TryCall(int directory, string path, int flags, out SourceFileState state, out bool missing)
        {
            state = null!;
            missing = false;
            var buffer = stackalloc byte[BufferSize];
            try
            {
                if (Call(directory, path, flags, MaskBasicStats, buffer) != 0)
                {
                    missing = Marshal.GetLastPInvokeError() == NoSuchFile;
                    return false;
                }
            }
            catch (EntryPointNotFoundException)
            {
                return false; // a C library without statx (glibc before 2.28): the portable fallback
            }

            var device = ((ulong)*(uint*)(buffer + DeviceMajorOffset) << 32) | *(uint*)(buffer + DeviceMinorOffset);
            state = new SourceFileState(*(long*)(buffer + SizeOffset), *(long*)(buffer + ModifiedOffset), *(uint*)(buffer + ModifiedOffset + 8),
                device, *(ulong*)(buffer + InodeOffset));
            return true;
        }

        [LibraryImport("libc", EntryPoint = "statx", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
        private static unsafe partial int Call(int directory, string path, int flags, uint mask, byte* buffer);
    }
}
