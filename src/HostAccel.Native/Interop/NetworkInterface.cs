namespace HostAccel.Native.Interop;

/// <summary>Interface name ⇄ index, in the current thread's network namespace.</summary>
public static class NetworkInterface
{
    /// <summary>The kernel's IFNAMSIZ less the terminating NUL.</summary>
    public const int MaxNameLength = LibC.IF_NAMESIZE - 1;

    /// <summary>The index of a device, or null when no device has that name.</summary>
    public static uint? IndexOf(string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        if (name.Length > MaxNameLength)
        {
            return null;
        }

        uint index = LibC.if_nametoindex(name);
        return index == 0 ? null : index;
    }

    /// <summary>The name of a device index, or null when there is none.</summary>
    public static unsafe string? NameOf(uint index)
    {
        byte* buffer = stackalloc byte[LibC.IF_NAMESIZE];
        byte* name = LibC.if_indextoname(index, buffer);
        return name is null ? null : new string((sbyte*)name);
    }

    /// <summary>Every device of the namespace, by index.</summary>
    public static unsafe Dictionary<uint, string> List()
    {
        LibC.if_nameindex_t* list = LibC.if_nameindex();
        if (list is null)
        {
            throw SystemCallException.FromLastError("if_nameindex");
        }

        try
        {
            var devices = new Dictionary<uint, string>();
            for (LibC.if_nameindex_t* entry = list; entry->if_index != 0; entry++)
            {
                devices[entry->if_index] = new string((sbyte*)entry->if_name);
            }

            return devices;
        }
        finally
        {
            LibC.if_freenameindex(list);
        }
    }
}
