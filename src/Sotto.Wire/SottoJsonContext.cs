using System.Text.Json;
using System.Text.Json.Serialization;

namespace Sotto.Wire;

/// <summary>
/// Source-generated System.Text.Json metadata for every REST DTO: camelCase names, byte arrays as standard base64,
/// GUIDs as lowercase <c>8-4-4-4-12</c>, numbers strictly as JSON numbers. Reading is strict: duplicate members,
/// <c>null</c> for a non-nullable member and a missing <c>required</c> member are errors; unknown members are
/// ignored so that newer clients keep working with older servers.
/// </summary>
[JsonSourceGenerationOptions(
    JsonSerializerDefaults.Web,
    NumberHandling = JsonNumberHandling.Strict,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    RespectNullableAnnotations = true,
    RespectRequiredConstructorParameters = true,
    AllowDuplicateProperties = false,
    MaxDepth = 16)]
[JsonSerializable(typeof(RegisterRequest))]
[JsonSerializable(typeof(DeviceCredentials))]
[JsonSerializable(typeof(WhoAmIResponse))]
[JsonSerializable(typeof(AccountResponse))]
[JsonSerializable(typeof(ReRegisterRequest))]
[JsonSerializable(typeof(DeviceListResponse))]
[JsonSerializable(typeof(LinkRequestCreate))]
[JsonSerializable(typeof(LinkRequestCreated))]
[JsonSerializable(typeof(LinkRequestInfo))]
[JsonSerializable(typeof(LinkApproval))]
[JsonSerializable(typeof(LinkWaitRequest))]
[JsonSerializable(typeof(LinkWaitResponse))]
[JsonSerializable(typeof(LinkCompleteRequest))]
[JsonSerializable(typeof(KeyUploadRequest))]
[JsonSerializable(typeof(PreKeyCountResponse))]
[JsonSerializable(typeof(PreKeyBundleResponse))]
[JsonSerializable(typeof(DevicePreKeyBundle))]
[JsonSerializable(typeof(SendMessagesRequest))]
[JsonSerializable(typeof(SendMessagesResponse))]
[JsonSerializable(typeof(AttachmentUploaded))]
[JsonSerializable(typeof(Problem))]
public sealed partial class SottoJsonContext : JsonSerializerContext;
