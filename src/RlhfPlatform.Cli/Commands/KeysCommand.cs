using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using RlhfPlatform.AdminApi.Access;
using RlhfPlatform.Storage;
using Spectre.Console;

namespace RlhfPlatform.Cli.Commands;

/// <summary>
/// `rlhf keys create|list|revoke`: the admin API's keys, in the run store `serve` uses (--out, or
/// Rlhf__RunStore__*). A new key is printed once; the store keeps only its salted hash.
/// </summary>
public static class KeysCommand
{
    public static Command Create()
    {
        var command = new Command("keys", "Create, list and revoke admin API keys");
        command.Subcommands.Add(CreateCommand());
        command.Subcommands.Add(ListCommand());
        command.Subcommands.Add(RevokeCommand());
        return command;
    }

    static Option<string> OutOption() => new("--out") { Description = "Directory of the embedded stores (as for serve)", DefaultValueFactory = _ => "rlhf-out" };

    static Command CreateCommand()
    {
        var roleOption = new Option<string>("--role") { Description = "reader (every GET) or operator (also submit and cancel)", Required = true };
        roleOption.AcceptOnlyFromAmong(ApiKeySecrets.ReaderRole, ApiKeySecrets.OperatorRole);
        var nameOption = new Option<string>("--name") { Description = "What the key is for", DefaultValueFactory = _ => "key" };
        var outOption = OutOption();
        var command = new Command("create", "Create a key and print it (once)") { roleOption, nameOption, outOption };
        command.SetAction((result, ct) => RlhfCli.GuardAsync(result, async () =>
        {
            string name = result.GetValue(nameOption)!;
            if (name.Length is 0 or > 100 || name.Any(char.IsControl)) throw new ArgumentException("--name must be 1 to 100 printable characters");
            await using var store = await OpenAsync(result.GetValue(outOption)!, ct);
            var (record, key) = ApiKeySecrets.Create(result.GetValue(roleOption)!, name, DateTimeOffset.UtcNow);
            await store.Store.CreateApiKeyAsync(record, ct);
            Console.Error.WriteLine($"created {record.Role} key {record.KeyId} ({record.Name}); it is shown only now:");
            Console.WriteLine(key);
            return 0;
        }));
        return command;
    }

    static Command ListCommand()
    {
        var jsonOption = new Option<bool>("--json") { Description = "Print JSON" };
        var outOption = OutOption();
        var command = new Command("list", "List keys (ids, names, roles; never the keys)") { jsonOption, outOption };
        command.SetAction((result, ct) => RlhfCli.GuardAsync(result, async () =>
        {
            await using var store = await OpenAsync(result.GetValue(outOption)!, ct);
            var keys = (await store.Store.ListApiKeysAsync(ct))
                .Select(k => new { id = k.KeyId, name = k.Name, role = k.Role, createdAt = k.CreatedAt, revokedAt = k.RevokedAt }).ToList();
            if (result.GetValue(jsonOption))
            {
                Console.WriteLine(JsonSerializer.Serialize(keys, new JsonSerializerOptions { WriteIndented = true }));
                return 0;
            }
            var table = new Table().AddColumns("id", "name", "role", "created", "revoked");
            foreach (var k in keys)
                table.AddRow(k.id, Markup.Escape(k.name), k.role, k.createdAt.ToString("u", CultureInfo.InvariantCulture),
                    k.revokedAt?.ToString("u", CultureInfo.InvariantCulture) ?? "");
            AnsiConsole.Write(table);
            return 0;
        }));
        return command;
    }

    static Command RevokeCommand()
    {
        var idArgument = new Argument<string>("id") { Description = "The key's id (from `rlhf keys list`)" };
        var outOption = OutOption();
        var command = new Command("revoke", "Revoke a key: requests with it get 401 from then on") { idArgument, outOption };
        command.SetAction((result, ct) => RlhfCli.GuardAsync(result, async () =>
        {
            string id = result.GetValue(idArgument)!;
            await using var store = await OpenAsync(result.GetValue(outOption)!, ct);
            if (!await store.Store.RevokeApiKeyAsync(id, ct))
            {
                Console.Error.WriteLine($"error: no live key with id '{id}'");
                return 3;
            }
            Console.WriteLine($"revoked {id}");
            return 0;
        }));
        return command;
    }

    static async Task<OpenedRunStore> OpenAsync(string outDirectory, CancellationToken ct)
    {
        var settings = ServeCommand.Settings(Path.GetFullPath(outDirectory)).Validate();
        var store = StorageFactory.CreateRunStore(settings.RunStore);
        var opened = new OpenedRunStore(store);
        try
        {
            await store.InitializeAsync(ct);
            return opened;
        }
        catch
        {
            await opened.DisposeAsync();
            throw;
        }
    }

    sealed record OpenedRunStore(IRunStore Store) : IAsyncDisposable
    {
        public ValueTask DisposeAsync() => Store is IAsyncDisposable d ? d.DisposeAsync() : ValueTask.CompletedTask;
    }
}
