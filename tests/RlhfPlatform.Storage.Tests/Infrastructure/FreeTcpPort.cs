using System.Net;
using System.Net.Sockets;

namespace RlhfPlatform.Storage.Tests;

internal static class FreeTcpPort
{
    /// <summary>A loopback port nothing listens on right now (the OS picks it).</summary>
    public static int Pick()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        try
        {
            return ((IPEndPoint)listener.LocalEndpoint).Port;
        }
        finally
        {
            listener.Stop();
        }
    }

    /// <summary>Polls until the port accepts connections; <paramref name="failure"/> reports a server
    /// that died meanwhile (non-null ends the wait with that message).</summary>
    public static async Task WaitUntilListeningAsync(int port, TimeSpan timeout, Func<string?> failure)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!await AcceptsConnectionsAsync(port))
        {
            if (failure() is { } reason)
                throw new InvalidOperationException(reason);
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"nothing listens on 127.0.0.1:{port} after {timeout.TotalSeconds:0} s");
            await Task.Delay(50);
        }
    }

    private static async Task<bool> AcceptsConnectionsAsync(int port)
    {
        using var client = new TcpClient();
        try
        {
            await client.ConnectAsync(IPAddress.Loopback, port);
            return true;
        }
        catch (SocketException)
        {
            return false; // refused: not listening yet
        }
    }
}
