using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace RlhfPlatform.Storage;

/// <summary>
/// Registers <see cref="IRunStore"/> / <see cref="ICheckpointStore"/> as singletons built from validated
/// options (validated at host start, or at first use without a host). The host still calls their
/// <c>InitializeAsync</c> once at start-up.
/// </summary>
public static class StorageServiceCollectionExtensions
{
    /// <param name="section">The "RunStore" section: Kind, Path, ConnectionString.</param>
    public static IServiceCollection AddRunStore(this IServiceCollection services, IConfiguration section) =>
        services.RegisterRunStore(builder => builder.Bind(section));

    public static IServiceCollection AddRunStore(this IServiceCollection services, Action<RunStoreOptions> configure) =>
        services.RegisterRunStore(builder => builder.Configure(configure));

    /// <param name="section">The "CheckpointStore" section: Kind, Path, ConnectionString, Container.</param>
    public static IServiceCollection AddCheckpointStore(this IServiceCollection services, IConfiguration section) =>
        services.RegisterCheckpointStore(builder => builder.Bind(section));

    public static IServiceCollection AddCheckpointStore(this IServiceCollection services, Action<CheckpointStoreOptions> configure) =>
        services.RegisterCheckpointStore(builder => builder.Configure(configure));

    private static IServiceCollection RegisterRunStore(this IServiceCollection services, Action<OptionsBuilder<RunStoreOptions>> configure)
    {
        configure(services.AddOptions<RunStoreOptions>().ValidateOnStart());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<RunStoreOptions>, RunStoreOptionsValidator>());
        services.TryAddSingleton(provider => StorageFactory.CreateRunStore(
            provider.GetRequiredService<IOptions<RunStoreOptions>>().Value, provider.GetService<TimeProvider>()));
        return services;
    }

    private static IServiceCollection RegisterCheckpointStore(this IServiceCollection services, Action<OptionsBuilder<CheckpointStoreOptions>> configure)
    {
        configure(services.AddOptions<CheckpointStoreOptions>().ValidateOnStart());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<CheckpointStoreOptions>, CheckpointStoreOptionsValidator>());
        services.TryAddSingleton(provider => StorageFactory.CreateCheckpointStore(provider.GetRequiredService<IOptions<CheckpointStoreOptions>>().Value));
        return services;
    }
}
