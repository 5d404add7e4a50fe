using System.CommandLine;
using System.Globalization;
using System.Net;
using Sotto.Cli.Daemon;
using Sotto.Client;
using Sotto.Client.Storage;
using Sotto.Client.Storage.Sqlite;
using Sotto.Server;
using Spectre.Console;

namespace Sotto.Cli;

/// <summary>The command tree (DESIGN.md §6) and what each command does with the SDK.</summary>
internal static class Commands
{
    private static readonly Option<string> Profile = new("--profile")
    {
        Description = "The device's keys, sessions and history (SQLite) live in this directory",
        Recursive = true,
        DefaultValueFactory = _ => Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".sotto"),
    };

    private static readonly Option<bool> Json = new("--json")
    {
        Description = "Print one JSON object per line",
        Recursive = true,
    };

    public static RootCommand Build()
    {
        var root = new RootCommand("Sotto: end-to-end encrypted messaging. The relay server and the reference client.");
        root.Options.Add(Profile);
        root.Options.Add(Json);
        root.Subcommands.Add(ServerCommand());
        root.Subcommands.Add(RegisterCommand());
        root.Subcommands.Add(LinkCommand());
        root.Subcommands.Add(AddDeviceCommand());
        root.Subcommands.Add(DevicesCommand());
        root.Subcommands.Add(SendCommand());
        root.Subcommands.Add(ReceiveCommand());
        root.Subcommands.Add(HistoryCommand());
        root.Subcommands.Add(SafetyNumberCommand());
        root.Subcommands.Add(TrustCommand());
        root.Subcommands.Add(TimerCommand());
        root.Subcommands.Add(ReactCommand());
        root.Subcommands.Add(EditCommand());
        root.Subcommands.Add(DeleteCommand());
        root.Subcommands.Add(ReceiptsCommand());
        root.Subcommands.Add(TypingCommand());
        root.Subcommands.Add(DaemonCommand());
        return root;
    }

    private static Command ServerCommand()
    {
        var data = new Option<string>("--data") { Description = "Data directory of the embedded SQLite database (default ./sotto-data)" };
        var urls = new Option<string>("--urls") { Description = "Listen addresses, ';'-separated (default " + SottoServerHost.DefaultUrls + ")" };
        var command = new Command("server", "Run the relay server (embedded SQLite)") { data, urls };
        command.SetAction((parse, cancellationToken) =>
        {
            var args = new List<string>();
            if (parse.GetValue(data) is { } dir)
            {
                args.Add("--data");
                args.Add(dir);
            }

            if (parse.GetValue(urls) is { } url)
            {
                args.Add("--urls");
                args.Add(url);
            }

            return SottoServerHost.RunAsync([.. args], cancellationToken);
        });
        return command;
    }

    private static Command RegisterCommand()
    {
        var username = new Argument<string>("USERNAME") { Description = "3-32 characters of a-z, 0-9 and _, starting with a letter" };
        var server = ServerOption(required: true);
        var invite = new Option<string>("--invite") { Description = "Invite code, when the server requires one" };
        var newIdentity = new Option<bool>("--new-identity")
        {
            Description = "Re-register this profile's account (device 1) with a new identity key: unlinks the other devices, and contacts must accept the new key",
        };
        var command = new Command("register", "Create an account; this device becomes device 1") { username, server, invite, newIdentity };
        command.SetAction((parse, cancellationToken) => RunAsync(parse, parse.GetValue(server), async (client, output, ct) =>
        {
            var name = parse.GetValue(username)!;
            AccountInfo account;
            if (parse.GetValue(newIdentity))
            {
                var existing = await client.GetAccountAsync(ct);
                if (existing is null || !string.Equals(existing.Username, name, StringComparison.OrdinalIgnoreCase))
                {
                    return Output.Fail("--new-identity re-registers the account this profile already belongs to; " +
                        (existing is null ? "this profile has none." : $"this profile belongs to {existing.Username}."));
                }

                account = await client.ReRegisterAsync(ct);
            }
            else
            {
                account = await client.RegisterAsync(name, parse.GetValue(invite), ct);
            }

            if (output.Json)
            {
                output.WriteJson(w =>
                {
                    w.WriteString("type", "registered");
                    w.WriteString("username", account.Username);
                    w.WriteString("accountId", account.AccountId.ToString("D"));
                    w.WriteNumber("deviceId", account.DeviceId);
                    w.WriteString("server", account.Server.AbsoluteUri);
                });
            }
            else
            {
                Output.Line($"Registered [bold]{Output.Escape(account.Username)}[/] on {Output.Escape(account.Server.AbsoluteUri)} as device {account.DeviceId}.");
            }

            return 0;
        }, cancellationToken));
        return command;
    }

    private static Command LinkCommand()
    {
        var server = ServerOption(required: true);
        var name = new Option<string>("--name") { Description = "A name for this device (stored encrypted)" };
        var timeout = new Option<int>("--timeout") { Description = "Seconds to wait for the approval (at most the code's 10 minutes)", DefaultValueFactory = _ => 600 };
        var command = new Command("link", "New device: print a link code and wait until an existing device approves it") { server, name, timeout };
        command.SetAction((parse, cancellationToken) => RunAsync(parse, parse.GetValue(server), async (client, output, ct) =>
        {
            using var pending = await client.BeginLinkAsync(parse.GetValue(name) ?? Environment.MachineName, ct);
            if (output.Json)
            {
                output.WriteJson(w =>
                {
                    w.WriteString("type", "link_code");
                    w.WriteString("code", pending.DisplayCode);
                    w.WriteNumber("expiresAt", pending.ExpiresAt.ToUnixTimeMilliseconds());
                });
            }
            else
            {
                Output.Line("Link code: [bold]" + Output.Escape(pending.DisplayCode) + "[/]");
                Output.Line("On a device of the account, run:  [bold]sotto add-device " + Output.Escape(pending.DisplayCode) + "[/]");
                Output.Line("[grey]Waiting for the approval …[/]");
            }

            var account = await pending.CompleteAsync(TimeSpan.FromSeconds(Math.Max(1, parse.GetValue(timeout))), ct);
            if (output.Json)
            {
                output.WriteJson(w =>
                {
                    w.WriteString("type", "linked");
                    w.WriteString("username", account.Username);
                    w.WriteString("accountId", account.AccountId.ToString("D"));
                    w.WriteNumber("deviceId", account.DeviceId);
                });
            }
            else
            {
                Output.Line($"Linked: this is device {account.DeviceId} of [bold]{Output.Escape(account.Username)}[/].");
            }

            return 0;
        }, cancellationToken));
        return command;
    }

    private static Command AddDeviceCommand()
    {
        var code = new Argument<string>("CODE") { Description = "The link code the new device printed (XXXXX-XXXXX:key)" };
        var command = new Command("add-device", "Existing device: approve a new device of this account") { code };
        command.SetAction((parse, cancellationToken) => RunAsync(parse, null, async (client, output, ct) =>
        {
            await client.ApproveLinkAsync(parse.GetValue(code)!, ct);
            if (output.Json)
            {
                output.WriteJson(w => w.WriteString("type", "device_approved"));
            }
            else
            {
                Output.Line("Approved. The new device finishes linking on its own.");
            }

            return 0;
        }, cancellationToken));
        return command;
    }

    private static Command DevicesCommand()
    {
        var command = new Command("devices", "This account's devices");
        command.SetAction((parse, cancellationToken) => RunAsync(parse, null, async (client, output, ct) =>
        {
            var devices = await client.GetDevicesAsync(ct);
            if (output.Json)
            {
                foreach (var d in devices)
                {
                    output.WriteJson(w => JsonShapes.WriteDevice(w, d));
                }
            }
            else
            {
                var table = new Table().AddColumn("Device").AddColumn("Name").AddColumn("Created (UTC)").AddColumn(string.Empty);
                foreach (var d in devices)
                {
                    table.AddRow(
                        d.DeviceId.ToString(CultureInfo.InvariantCulture),
                        Output.Escape(d.Name ?? "-"),
                        d.Created.UtcDateTime.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture),
                        d.IsThisDevice ? "this device" : string.Empty);
                }

                AnsiConsole.Write(table);
            }

            return 0;
        }, cancellationToken));
        return command;
    }

    private static Command SendCommand()
    {
        var to = new Argument<string>("TO") { Description = "The recipient's username" };
        var text = new Argument<string>("TEXT") { Description = "The message" };
        var replyTo = new Option<Guid?>("--reply-to") { Description = "Quote the message with this id (a reply)" };
        var attach = new Option<string>("--attach") { Description = "Attach this file (encrypted on this device, at most 100 MiB)" };
        var command = new Command("send", "Send an end-to-end encrypted message to every device of TO") { to, text, replyTo, attach };
        command.SetAction((parse, cancellationToken) => RunAsync(parse, null, async (client, output, ct) =>
        {
            var recipient = parse.GetValue(to)!;
            SentMessage sent;
            if (parse.GetValue(attach) is { } file)
            {
                if (parse.GetValue(replyTo) is not null)
                {
                    return Output.Fail("--reply-to and --attach cannot be combined yet.", Output.UsageError);
                }

                sent = await SendWithProgressAsync(client, output, recipient, parse.GetValue(text), file, ct);
            }
            else
            {
                sent = parse.GetValue(replyTo) is { } quoted
                    ? await client.SendReplyAsync(recipient, quoted, parse.GetValue(text)!, ct)
                    : await client.SendTextAsync(recipient, parse.GetValue(text)!, ct);
            }
            if (output.Json)
            {
                output.WriteJson(w => JsonShapes.WriteSent(w, recipient.ToLowerInvariant(), sent));
            }
            else
            {
                Output.Line($"Sent to [bold]{Output.Escape(recipient.ToLowerInvariant())}[/] ({sent.Devices} device{(sent.Devices == 1 ? string.Empty : "s")}).");
            }

            return 0;
        }, cancellationToken));
        return command;
    }

    /// <summary>Uploads with a progress bar when a person watches (stderr is a terminal and no --json).</summary>
    private static async Task<SentMessage> SendWithProgressAsync(SottoClient client, Output output, string recipient, string? text, string file, CancellationToken ct)
    {
        if (output.Json || Console.IsErrorRedirected)
        {
            return await client.SendAttachmentAsync(recipient, text, file, null, ct);
        }

        long total = new FileInfo(file).Exists ? new FileInfo(file).Length : 0;
        SentMessage? sent = null;
        await AnsiConsole.Progress()
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new TransferSpeedColumn())
            .StartAsync(async context =>
            {
                var task = context.AddTask("Uploading " + Output.Escape(Path.GetFileName(file)), maxValue: Math.Max(1, total));
                var progress = new Progress<long>(bytes => task.Value = Math.Min(bytes, task.MaxValue));
                sent = await client.SendAttachmentAsync(recipient, text, file, progress, ct);
                task.Value = task.MaxValue;
            });
        return sent!;
    }

    private static Command ReceiveCommand()
    {
        var timeout = new Option<double>("--timeout")
        {
            Description = "After the queue is drained, stop when nothing arrived for this many seconds (0: stop once drained; negative: never)",
            DefaultValueFactory = _ => 5,
        };
        var command = new Command("receive", "Fetch, decrypt, print and acknowledge messages") { timeout };
        command.SetAction((parse, cancellationToken) => RunAsync(parse, null, async (client, output, ct) =>
        {
            double seconds = parse.GetValue(timeout);
            // Receiving forever rides out server restarts; a bounded receive reports a broken connection instead.
            var options = new ReceiveOptions { IdleTimeout = seconds < 0 ? null : TimeSpan.FromSeconds(seconds), Reconnect = seconds < 0 };
            await foreach (var e in client.ReceiveAsync(options, ct))
            {
                Print(output, e);
                if (e is MessageReceived m)
                {
                    // Printed is seen (DESIGN.md §5): a disappearing message's countdown starts now.
                    await client.MarkSeenAsync(m.Conversation, [m.Id], ct);
                }
            }

            return 0;
        }, cancellationToken));
        return command;
    }

    private static Command HistoryCommand()
    {
        var to = new Argument<string>("TO") { Description = "The other user's username" };
        var command = new Command("history", "The conversation as stored on this device") { to };
        command.SetAction((parse, cancellationToken) => RunAsync(parse, null, async (client, output, ct) =>
        {
            var items = await client.GetHistoryAsync(parse.GetValue(to)!, ct);
            foreach (var item in items)
            {
                Print(output, item);
            }

            // Displayed is seen: unseen received messages start their countdown.
            await client.MarkSeenAsync(parse.GetValue(to)!, items.Where(i => !i.Outgoing && i.Kind == HistoryKind.Message).Select(i => i.Id), ct);

            return 0;
        }, cancellationToken));
        return command;
    }

    private static Command SafetyNumberCommand()
    {
        var user = new Argument<string>("USERNAME") { Description = "The other user" };
        var command = new Command("safety-number", "The 60-digit safety number to compare with USERNAME") { user };
        command.SetAction((parse, cancellationToken) => RunAsync(parse, null, async (client, output, ct) =>
        {
            var number = await client.GetSafetyNumberAsync(parse.GetValue(user)!, ct);
            if (output.Json)
            {
                output.WriteJson(w => JsonShapes.WriteSafetyNumber(w, number));
            }
            else
            {
                Output.Line($"Safety number with [bold]{Output.Escape(number.Username)}[/]:");
                Output.Line("  " + Output.Escape(number.Formatted));
                Output.Line(number.Trusted
                    ? "[green]This key is trusted.[/] Compare the digits with the other person's screen."
                    : $"[yellow]This key changed and is not trusted yet.[/] After comparing, accept it with: sotto trust {Output.Escape(number.Username)}");
            }

            return 0;
        }, cancellationToken));
        return command;
    }

    private static Command TrustCommand()
    {
        var user = new Argument<string>("USERNAME") { Description = "The user whose changed identity key to accept" };
        var command = new Command("trust", "Accept USERNAME's current identity key (after comparing safety numbers)") { user };
        command.SetAction((parse, cancellationToken) => RunAsync(parse, null, async (client, output, ct) =>
        {
            var name = parse.GetValue(user)!.ToLowerInvariant();
            await client.TrustAsync(name, ct);
            if (output.Json)
            {
                output.WriteJson(w =>
                {
                    w.WriteString("type", "trusted");
                    w.WriteString("user", name);
                });
            }
            else
            {
                Output.Line($"Trusted [bold]{Output.Escape(name)}[/]'s current identity key.");
            }

            return 0;
        }, cancellationToken));
        return command;
    }

    private static Command TimerCommand()
    {
        var to = new Argument<string>("TO") { Description = "The other user" };
        var duration = new Argument<string>("DURATION") { Description = "off, or 5s to 24h (e.g. 30s, 5m, 1h, 24h)" };
        var command = new Command("timer", "Set or clear the conversation's disappearing-messages timer") { to, duration };
        command.SetAction((parse, cancellationToken) => RunAsync(parse, null, async (client, output, ct) =>
        {
            var name = parse.GetValue(to)!.ToLowerInvariant();
            uint seconds = DisappearingTimer.Parse(parse.GetValue(duration)!);
            await client.SetTimerAsync(name, seconds, ct);
            if (output.Json)
            {
                output.WriteJson(w => JsonShapes.WriteTimerSet(w, name, seconds));
            }
            else
            {
                Output.Line(seconds == 0
                    ? $"Disappearing messages with [bold]{Output.Escape(name)}[/] are off."
                    : $"Messages with [bold]{Output.Escape(name)}[/] now disappear after {DisappearingTimer.Format(seconds)}.");
            }

            return 0;
        }, cancellationToken));
        return command;
    }

    private static Command ReactCommand()
    {
        var to = new Argument<string>("TO") { Description = "The other user" };
        var id = new Argument<Guid>("MESSAGE_ID") { Description = "The message (its id from history or receive)" };
        var emoji = new Argument<string>("EMOJI") { Description = "The reaction" };
        var remove = new Option<bool>("--remove") { Description = "Take the reaction back" };
        var command = new Command("react", "React to a message (one reaction per person per message)") { to, id, emoji, remove };
        command.SetAction((parse, cancellationToken) => RunAsync(parse, null, async (client, output, ct) =>
        {
            await client.ReactAsync(parse.GetValue(to)!, parse.GetValue(id), parse.GetValue(emoji)!, parse.GetValue(remove), ct);
            return Done(output, "reacted", "Reaction sent.");
        }, cancellationToken));
        return command;
    }

    private static Command EditCommand()
    {
        var to = new Argument<string>("TO") { Description = "The other user" };
        var id = new Argument<Guid>("MESSAGE_ID") { Description = "One of your messages, sent less than 15 minutes ago" };
        var text = new Argument<string>("TEXT") { Description = "The new text" };
        var command = new Command("edit", "Edit one of your messages (within 15 minutes)") { to, id, text };
        command.SetAction((parse, cancellationToken) => RunAsync(parse, null, async (client, output, ct) =>
        {
            await client.EditAsync(parse.GetValue(to)!, parse.GetValue(id), parse.GetValue(text)!, ct);
            return Done(output, "edited", "Edited.");
        }, cancellationToken));
        return command;
    }

    private static Command DeleteCommand()
    {
        var to = new Argument<string>("TO") { Description = "The other user" };
        var id = new Argument<Guid>("MESSAGE_ID") { Description = "One of your messages" };
        var command = new Command("delete", "Delete one of your messages for everyone") { to, id };
        command.SetAction((parse, cancellationToken) => RunAsync(parse, null, async (client, output, ct) =>
        {
            await client.DeleteForEveryoneAsync(parse.GetValue(to)!, parse.GetValue(id), ct);
            return Done(output, "deleted", "Deleted for everyone.");
        }, cancellationToken));
        return command;
    }

    private static Command ReceiptsCommand()
    {
        var state = new Argument<string>("on|off") { Description = "Send read receipts or not (delivery receipts are always sent)" };
        state.AcceptOnlyFromAmong("on", "off");
        var command = new Command("receipts", "Turn read receipts on or off") { state };
        command.SetAction((parse, cancellationToken) => RunAsync(parse, null, async (client, output, ct) =>
        {
            bool on = parse.GetValue(state) == "on";
            await client.SetReadReceiptsAsync(on, ct);
            return Done(output, on ? "receipts_on" : "receipts_off", on ? "Read receipts are on." : "Read receipts are off.");
        }, cancellationToken));
        return command;
    }

    private static Command TypingCommand()
    {
        var to = new Argument<string>("TO") { Description = "The other user" };
        var stop = new Option<bool>("--stop") { Description = "Stopped typing" };
        var command = new Command("typing", "Tell TO that you are typing (never stored)") { to, stop };
        command.SetAction((parse, cancellationToken) => RunAsync(parse, null, async (client, output, ct) =>
        {
            await client.SendTypingAsync(parse.GetValue(to)!, !parse.GetValue(stop), ct);
            return Done(output, "typing_sent", "Sent.");
        }, cancellationToken));
        return command;
    }

    private static Command DaemonCommand()
    {
        var http = new Option<IPEndPoint>("--http")
        {
            Description = $"Listen on this loopback HOST:PORT (default 127.0.0.1:{DaemonHost.DefaultPort})",
            DefaultValueFactory = _ => new IPEndPoint(IPAddress.Loopback, DaemonHost.DefaultPort),
            CustomParser = result =>
            {
                var text = result.Tokens.Count > 0 ? result.Tokens[0].Value : string.Empty;
                if (DaemonHost.TryParseAddress(text, out var endpoint, out var error))
                {
                    return endpoint;
                }

                result.AddError(error);
                return null;
            },
        };
        var keepAlive = new Option<double>("--keep-alive")
        {
            Description = "Seconds between keep-alive comments on idle event streams",
            DefaultValueFactory = _ => DaemonHost.DefaultKeepAlive.TotalSeconds,
        };
        var command = new Command("daemon", "Keep this profile online: JSON-RPC 2.0 at POST /api/v1/rpc, events at GET /api/v1/events (loopback, bearer token)") { http, keepAlive };
        command.SetAction((parse, cancellationToken) => RunAsync(parse, null, (client, output, ct) =>
        {
            double seconds = parse.GetValue(keepAlive);
            if (!(seconds is >= 0.1 and <= 3600))
            {
                return Task.FromResult(Output.Fail("--keep-alive takes 0.1 to 3600 seconds.", Output.UsageError));
            }

            return DaemonHost.RunAsync(client, output, parse.GetValue(http)!, TimeSpan.FromSeconds(seconds), ct);
        }, cancellationToken));
        return command;
    }

    private static int Done(Output output, string type, string text)
    {
        if (output.Json)
        {
            output.WriteJson(w => w.WriteString("type", type));
        }
        else
        {
            Output.Line(Output.Escape(text));
        }

        return 0;
    }

    private static Option<Uri> ServerOption(bool required) => new("--server")
    {
        Description = "The relay server, e.g. http://127.0.0.1:5080",
        Required = required,
        CustomParser = result =>
        {
            var text = result.Tokens.Count > 0 ? result.Tokens[0].Value : string.Empty;
            if (Uri.TryCreate(text, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps))
            {
                return uri;
            }

            result.AddError($"--server must be an http:// or https:// URL, not '{text}'.");
            return null;
        },
    };

    /// <summary>Opens the profile, runs <paramref name="body"/>, and turns every failure into one line on stderr.</summary>
    private static async Task<int> RunAsync(ParseResult parse, Uri? server, Func<SottoClient, Output, CancellationToken, Task<int>> body, CancellationToken cancellationToken)
    {
        var output = new Output(parse.GetValue(Json));
        try
        {
            var builder = new SottoClientBuilder().UseProfileDirectory(parse.GetValue(Profile)!).UseSqliteStore();
            if (server is not null)
            {
                builder.UseServer(server);
            }

            await using var client = builder.Build();
            if (server is not null && await client.GetAccountAsync(cancellationToken) is { } existing && !SameServer(existing.Server, server))
            {
                return Output.Fail($"this profile belongs to {existing.Username} on {existing.Server.AbsoluteUri}, not {server.AbsoluteUri}.");
            }

            return await body(client, output, cancellationToken);
        }
        catch (SottoClientException ex)
        {
            return Output.Fail(Describe(ex));
        }
        catch (ArgumentException ex)
        {
            return Output.Fail(FirstSentence(ex.Message), Output.UsageError);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return Output.Fail("interrupted.", 130);
        }
        catch (InvalidOperationException ex)
        {
            return Output.Fail(FirstSentence(ex.Message));
        }
        catch (IOException ex)
        {
            return Output.Fail("cannot use the profile directory: " + FirstSentence(ex.Message));
        }
        catch (UnauthorizedAccessException ex)
        {
            return Output.Fail("cannot use the profile directory: " + FirstSentence(ex.Message));
        }
    }

    private static bool SameServer(Uri a, Uri b) =>
        Uri.Compare(a, b, UriComponents.SchemeAndServer | UriComponents.Path, UriFormat.Unescaped, StringComparison.OrdinalIgnoreCase) == 0
        || string.Equals(a.AbsoluteUri.TrimEnd('/'), b.AbsoluteUri.TrimEnd('/'), StringComparison.OrdinalIgnoreCase);

    /// <summary>The user-facing line for an SDK failure (the SDK's own messages carry no usernames).</summary>
    internal static string Describe(SottoClientException ex) => ex.Code switch
    {
        ClientError.IdentityChanged =>
            $"{ex.Username}'s safety number changed (new identity key). Nothing was sent. Compare it with 'sotto safety-number {ex.Username}', then accept it with 'sotto trust {ex.Username}'.",
        ClientError.UnknownUser => $"there is no user named {ex.Username} on this server.",
        ClientError.NotRegistered => "this profile has no account yet: run 'sotto register USERNAME --server URL' or 'sotto link --server URL' first.",
        ClientError.AlreadyRegistered => "this profile already belongs to an account (use another --profile, or 'register USERNAME --new-identity' to re-register it).",
        ClientError.ServerRejected when ex.ServerCode == Sotto.Wire.ProblemCodes.UsernameTaken => "that username is taken.",
        ClientError.ServerRejected when ex.ServerCode == Sotto.Wire.ProblemCodes.InviteCodeInvalid => "this server needs a valid invite code (--invite CODE).",
        ClientError.ServerRejected when ex.ServerCode == Sotto.Wire.ProblemCodes.DeviceLimitReached => "the account already has the maximum number of devices.",
        ClientError.ServerRejected when ex.HttpStatus == 401 => "the server does not accept this device's credentials (was it removed?).",
        ClientError.UnknownMessage => "there is no message with that id in the conversation.",
        _ => FirstSentence(ex.Message),
    };

    private static string FirstSentence(string message)
    {
        int newline = message.IndexOf('\n', StringComparison.Ordinal);
        return newline < 0 ? message : message[..newline];
    }

    private static void Print(Output output, ClientEvent e)
    {
        if (output.Json)
        {
            if (JsonShapes.EventType(e) is not null)
            {
                output.WriteJson(w => JsonShapes.WriteEvent(w, e));
            }

            return;
        }

        switch (e)
        {
            case MessageReceived m:
                Output.Line($"[grey]{Time(m.Timestamp)}[/] [bold]{Output.Escape(m.From)}[/]: {Output.Escape(m.Text)}");
                PrintAttachments(m.Attachments);
                break;

            case MessageSent s:
                Output.Line($"[grey]{Time(s.Timestamp)}[/] [bold]you → {Output.Escape(s.To)}[/] (from device {s.FromDevice}): {Output.Escape(s.Text)}");
                break;

            case IdentityChanged c:
                Output.Line($"[yellow]{Output.Escape(c.Username)}'s safety number changed.[/] Sending to them is blocked until 'sotto trust {Output.Escape(c.Username)}'.");
                break;

            case DecryptionFailed f:
                Output.Line($"[red]A message from {Output.Escape(f.From)} (device {f.FromDevice}) could not be decrypted ({f.Error?.ToString() ?? "unknown"}).[/]");
                break;

            case TimerChanged t:
                Output.Line($"[grey]{Output.Escape(t.From)} set disappearing messages to {DisappearingTimer.Format(t.ExpiresInSeconds ?? 0)}.[/]");
                break;

            case ReactionReceived r:
                Output.Line($"[bold]{Output.Escape(r.From)}[/] {(r.Removed ? "removed" : "reacted")} {Output.Escape(r.Emoji)} on {r.MessageId:D}");
                break;

            case MessageEdited ed:
                Output.Line($"[bold]{Output.Escape(ed.From)}[/] edited a message: {Output.Escape(ed.Text)}");
                break;

            case MessageDeleted d:
                Output.Line($"[grey]{Output.Escape(d.From)} deleted a message.[/]");
                break;

            case TypingReceived ty:
                Output.Line($"[grey]{Output.Escape(ty.From)} {(ty.Started ? "is typing …" : "stopped typing")}[/]");
                break;

            case QueueDrained or UnknownContentSkipped or ReceiptReceived:
                break;
        }
    }

    private static void Print(Output output, HistoryItem item)
    {
        if (output.Json)
        {
            output.WriteJson(w => JsonShapes.WriteHistoryItem(w, item));
            return;
        }

        switch (item.Kind)
        {
            case HistoryKind.Message:
                string status = item.Outgoing && item.Status is DeliveryStatus.Sending or DeliveryStatus.Failed ? $" [red]({item.Status.ToString().ToLowerInvariant()})[/]" : string.Empty;
                string extras = (item.EditedAt is null ? string.Empty : " [grey](edited)[/]")
                    + (item.Reactions.Count == 0 ? string.Empty : " " + Output.Escape(string.Join(' ', item.Reactions.Select(r => r.Emoji))));
                string body = item.Deleted ? "[grey](deleted)[/]" : Output.Escape(item.Text);
                Output.Line($"[grey]{Time(item.Timestamp)}[/] [bold]{Output.Escape(item.From)}[/]: {body}{extras}{status}");
                break;
            case HistoryKind.TimerChanged:
                Output.Line($"[grey]{Time(item.Timestamp)} {Output.Escape(item.From)} set disappearing messages to {DisappearingTimer.Format(item.ExpiresInSeconds ?? 0)}.[/]");
                break;
            case HistoryKind.IdentityChanged:
                Output.Line($"[grey]{Time(item.Timestamp)}[/] [yellow]{Output.Escape(item.Conversation)}'s safety number changed.[/]");
                break;
            case HistoryKind.DecryptionFailed:
                Output.Line($"[grey]{Time(item.Timestamp)}[/] [red]A message from {Output.Escape(item.Conversation)} could not be decrypted.[/]");
                break;
            default:
                Output.Line($"[grey]{Time(item.Timestamp)}[/] {Output.Escape(item.Kind.ToString())}");
                break;
        }
    }

    private static void PrintAttachments(IReadOnlyList<AttachmentInfo> attachments)
    {
        foreach (var a in attachments)
        {
            Output.Line(a.Path is not null
                ? $"  [blue]attachment[/] {Output.Escape(a.FileName)} ({a.Size:N0} bytes) saved to {Output.Escape(a.Path)}"
                : $"  [red]attachment {Output.Escape(a.FileName)} refused: {Output.Escape(a.Error)}[/]");
        }
    }

    private static string Time(long milliseconds) =>
        DateTimeOffset.FromUnixTimeMilliseconds(milliseconds).ToLocalTime().ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);
}
