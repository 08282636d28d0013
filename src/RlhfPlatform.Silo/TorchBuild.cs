namespace RlhfPlatform.Silo;

/// <summary>Which torch backend this build links: the CPU build (libtorch-cpu-linux-x64) or the GPU image's (TorchSharp-cuda-linux).</summary>
public static class TorchBuild
{
#if TORCH_CUDA
    public const string Backend = "cuda";
#else
    public const string Backend = "cpu";
#endif

    /// <summary>
    /// For a silo configured with Rlhf:Device=cuda: fails at start, with one clear line, when libtorch sees no CUDA
    /// device (no GPU given to the pod, or a driver older than the CUDA runtime), instead of failing the first run.
    /// </summary>
    public static void RequireDevice(RlhfSettings settings)
    {
        if (settings.Device != "cuda") return;
        if (!TorchSharp.torch.cuda.is_available())
            throw new ArgumentException("Rlhf:Device=cuda but libtorch sees no CUDA device: give the pod an nvidia.com/gpu " +
                "(NVIDIA device plugin) and a driver for CUDA 12.8 or newer, or set Rlhf:Device=cpu");
        int visible = TorchSharp.torch.cuda.device_count();
        if (visible < settings.Devices.Count)
            throw new ArgumentException($"Rlhf:Devices:Count is {settings.Devices.Count} but libtorch sees {visible} CUDA device(s)");
    }
}
