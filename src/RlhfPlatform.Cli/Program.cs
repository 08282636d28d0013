using RlhfPlatform.Cli;

return await RlhfCli.RunAsync(args);
