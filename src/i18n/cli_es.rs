//! The Spanish of `guardia --help`, line by line (see `i18n::cli`).

/// `(path, id, Spanish)`: `id` is a flag's clap id, or `""` for the subcommand's own line.
/// A `path` of `"*"` serves every subcommand that has no line of its own for that flag.
pub(super) const ES: &[(&str, &str, &str)] = &[
    (
        "guardia",
        "",
        "Centro de respuesta a emergencias consulares y consola de guardia",
    ),
    (
        "guardia",
        "config",
        "Lee la configuración de este archivo en lugar del archivo del usuario.",
    ),
    // Flags many subcommands share.
    (
        "*",
        "db",
        "El archivo de base de datos del hub (por omisión, el configurado).",
    ),
    ("*", "hub", "La URL del hub (por omisión, la configurada)."),
    ("*", "lang", "es o en (por omisión, el idioma configurado)."),
    ("*", "json", "Imprime en JSON."),
    (
        "*",
        "key_file",
        "El archivo de llaves que selló el registro (por omisión, hub.key_file; si no, el que está junto a --db).",
    ),
    (
        "*",
        "id",
        "El número de personal que se imprimió al darlo de alta.",
    ),
    (
        "guardia demo",
        "",
        "Hub, teléfonos simulados y consola de guardia en una sola orden.",
    ),
    (
        "guardia demo",
        "consulate",
        "Consulado cuyo oficial de guardia representa la consola.",
    ),
    ("guardia demo", "lang", "Idioma de la consola: es o en."),
    (
        "guardia demo",
        "role",
        "Qué vista abrir: officer (oficial), lawyer (abogado) o supervisor.",
    ),
    (
        "guardia demo",
        "raid",
        "Una redada: los botones se presionan rápido (3 por segundo o más) y cerca unos de otros, y en los primeros minutos llegan un par de cientos de alertas y sus grupos.",
    ),
    ("guardia hub", "", "Pone en marcha el hub."),
    (
        "guardia hub",
        "listen",
        "Dirección en la que escucha (por omisión, hub.listen: 127.0.0.1:8750). Fuera de loopback requiere --tls-cert y --tls-key, o --behind-proxy.",
    ),
    (
        "guardia hub",
        "db",
        "El archivo SQLite (se crea con permisos 0600 al primer arranque), o una URL de PostgreSQL (postgres://usuario@servidor/base) que comparten varios hubs.",
    ),
    (
        "guardia hub",
        "key_file",
        "El archivo de llaves que sella el registro (por omisión, hub.key_file; si no, el que está junto a --db). Todos los hubs de una misma base PostgreSQL necesitan el mismo.",
    ),
    (
        "guardia hub",
        "tls_cert",
        "Cadena de certificados TLS, en PEM.",
    ),
    ("guardia hub", "tls_key", "Llave privada TLS, en PEM."),
    (
        "guardia hub",
        "behind_proxy",
        "Hay un proxy que termina TLS delante: escuchar sin TLS fuera de loopback.",
    ),
    (
        "guardia console",
        "",
        "Abre la consola de guardia conectada a un hub (la clave, del archivo de configuración o de GUARDIA_TOKEN).",
    ),
    (
        "guardia console",
        "hub",
        "La URL del hub (por omisión, la configurada, o http://127.0.0.1:8750). Para cambiar de uno a otro si falla, repítala (`--hub A --hub B`) o sepárelas con comas; la consola empieza por la primera.",
    ),
    (
        "guardia console",
        "lang",
        "es o en (por omisión, el idioma configurado; si no, el del sistema).",
    ),
    (
        "guardia simulate",
        "",
        "Presiona botones contra un hub como lo harían teléfonos simulados.",
    ),
    ("guardia simulate", "hub", "La URL del hub."),
    (
        "guardia simulate",
        "gateway_listen",
        "Dónde poner una pasarela de SMS de prueba (por ejemplo 127.0.0.1:8760), para un hub que verifica números: apunte [notify] webhook_url del hub a http://DIRECCIÓN/sms, con el mismo secreto (GUARDIA_NOTIFY_WEBHOOK_SECRET), y los teléfonos simulados leen ahí sus códigos.",
    ),
    (
        "guardia simulate",
        "rate",
        "Presiones por segundo, en promedio.",
    ),
    ("guardia simulate", "count", "Presiones en total."),
    (
        "guardia simulate",
        "phones",
        "Personas ficticias que se registran primero.",
    ),
    (
        "guardia simulate",
        "appointments",
        "Citas vigiladas que se programan primero, en las oficinas de ICE más cercanas a Los Ángeles durante el día siguiente; una de cada cinco nunca se da por concluida y el hub levanta su alerta.",
    ),
    (
        "guardia simulate",
        "retry_for",
        "Segundos durante los que se reintenta una presión que el hub no tomó (caído, 5xx, 429), siempre con el mismo identificador de alerta para que nunca se guarde dos veces; después cuenta como fallida.",
    ),
    (
        "guardia bench",
        "",
        "Carga un hub y reporta alertas durables por segundo, latencias y memoria (un hub en este proceso sobre una base temporal, salvo que se dé --hub; entonces GUARDIA_TOKEN debe ser de un supervisor nacional). --nats carga NATS JetStream igual, para comparar.",
    ),
    (
        "guardia bench",
        "hub",
        "Un hub en marcha que cargar (requiere GUARDIA_TOKEN de un supervisor nacional), o varios sobre una misma base, separados por comas (presiones y suscriptores se reparten); sin él, se inicia un hub en este proceso sobre una base temporal.",
    ),
    (
        "guardia bench",
        "rate",
        "Alertas por segundo que se envían (lazo abierto).",
    ),
    (
        "guardia bench",
        "duration",
        "Segundos de carga por corrida.",
    ),
    (
        "guardia bench",
        "subscribers",
        "Consolas suscritas al flujo de eventos.",
    ),
    (
        "guardia bench",
        "phones",
        "Teléfonos distintos que presionan (registrados primero); menos teléfonos significa más presiones repetidas.",
    ),
    (
        "guardia bench",
        "runs",
        "Corridas de --duration seguidas, con los mismos teléfonos y suscriptores, un reporte por cada una (una redada que sigue: ¿es la última más lenta que la primera?).",
    ),
    (
        "guardia bench",
        "nats",
        "Mide NATS JetStream en esta URL en lugar del hub, con la misma carga (compilado con --features peer-nats; vea scripts/perf.sh).",
    ),
    (
        "guardia bench",
        "nats_replicas",
        "Copias del flujo de JetStream (3 para un clúster de tres nodos, cuyas URL se listan en --nats separadas por comas).",
    ),
    (
        "guardia bench",
        "baseline",
        "Mide también los límites de la máquina: commits de SQLite sin más y un servidor HTTP vacío.",
    ),
    (
        "guardia bench",
        "slow",
        "Abre N conexiones lentas contra --hub (cada una empieza un cuerpo y envía un byte por segundo) durante --duration, y dice cuántas mantuvo el hub y cuántas cortó.",
    ),
    ("guardia bench", "json", "Imprime el reporte en JSON."),
    (
        "guardia backlog",
        "",
        "Las cifras de pendientes del supervisor, sin la consola (la clave, de la configuración o de GUARDIA_TOKEN).",
    ),
    (
        "guardia backlog",
        "csv",
        "Filas métrica,clave,valor para una hoja de cálculo.",
    ),
    (
        "guardia backlog",
        "consent",
        "Solo los casos en que la persona: accepted (acepta), declined (rechaza) o unknown (sin definir) la protección.",
    ),
    (
        "guardia backlog",
        "intent",
        "Solo los casos en que la persona quiere: contest (defenderse), voluntary_return (retorno voluntario) o undecided (no ha decidido).",
    ),
    (
        "guardia backlog",
        "category",
        "Solo los casos de esta materia: migratory, criminal, civil, labor, administrative o human_rights.",
    ),
    (
        "guardia report",
        "",
        "Reportes para oficinas centrales (la clave, de la configuración o de GUARDIA_TOKEN).",
    ),
    (
        "guardia report figures",
        "",
        "Las cifras que publican oficinas centrales para un periodo (ambos días incluidos, UTC) y un consulado o todos: personas atendidas, alertas, redadas, visitas, asesorías, liberaciones, deportaciones, muertes bajo custodia, notas diplomáticas y tiempos medianos.",
    ),
    ("guardia report figures", "from", "Primer día, AAAA-MM-DD."),
    ("guardia report figures", "to", "Último día, AAAA-MM-DD."),
    (
        "guardia report figures",
        "consulate",
        "Solo este consulado (supervisores nacionales; los demás reciben el suyo).",
    ),
    (
        "guardia report figures",
        "csv",
        "Filas métrica,valor para una hoja de cálculo.",
    ),
    (
        "guardia handover",
        "",
        "Lo que recibe el siguiente turno en un consulado: alertas sin atender, casos abiertos sin abogado, plazos y audiencias de las próximas 24 horas, coacción, traslados pendientes.",
    ),
    (
        "guardia handover",
        "consulate",
        "El identificador del consulado (por omisión, el suyo; los supervisores nacionales lo indican).",
    ),
    (
        "guardia handover",
        "at",
        "Cuándo cambia el turno, RFC 3339 (por omisión, ahora).",
    ),
    (
        "guardia handover",
        "all",
        "Cada línea de cada lista (sin esto, cada una muestra sus 20 más antiguas y dice cuántas más hay).",
    ),
    (
        "guardia handover",
        "csv",
        "Una fila por cada pendiente que se recibe, para una hoja de cálculo.",
    ),
    ("guardia case", "", "Casos del registro."),
    (
        "guardia case export",
        "",
        "Escribe un caso en Markdown (o JSON) apto para un expediente legal.",
    ),
    (
        "guardia case export",
        "hub",
        "La URL del hub (por omisión, la configurada, o http://127.0.0.1:8750).",
    ),
    (
        "guardia case export",
        "id",
        "El número de caso (como lo muestra la consola, p. ej. 1042).",
    ),
    (
        "guardia case export",
        "json",
        "JSON (el caso como lo guarda el hub) en lugar de Markdown.",
    ),
    (
        "guardia case export",
        "lang",
        "es o en (por omisión, el idioma configurado; si no, el del sistema).",
    ),
    (
        "guardia admin",
        "",
        "Administración sobre el archivo de base de datos.",
    ),
    ("guardia admin staff", "", "Personal."),
    (
        "guardia admin staff add",
        "",
        "Da de alta a un miembro del personal e imprime su clave una sola vez.",
    ),
    (
        "guardia admin staff add",
        "name",
        "El nombre de la persona como aparecerá en el registro.",
    ),
    (
        "guardia admin staff add",
        "role",
        "officer (oficial), lawyer (abogado), supervisor o admin.",
    ),
    (
        "guardia admin staff add",
        "consulate",
        "El identificador del consulado donde trabaja (vea config/consulates.csv).",
    ),
    (
        "guardia admin staff add",
        "national",
        "Supervisor de toda la red, que ve todos los casos. Solo se crea aquí, en el servidor: nunca por la API.",
    ),
    (
        "guardia admin staff disable",
        "",
        "Deja sin efecto la clave de un miembro (sus flujos abiertos terminan); queda en el registro.",
    ),
    (
        "guardia admin staff enable",
        "",
        "Vuelve a dar efecto a la clave de un miembro desactivado.",
    ),
    (
        "guardia admin staff role",
        "",
        "Cambia el rol y el consulado de un miembro.",
    ),
    (
        "guardia admin staff role",
        "role",
        "officer (oficial), lawyer (abogado), supervisor o admin.",
    ),
    (
        "guardia admin staff role",
        "consulate",
        "El identificador del consulado donde trabaja (vea config/consulates.csv).",
    ),
    (
        "guardia admin staff role",
        "national",
        "Supervisor de toda la red.",
    ),
    (
        "guardia admin staff rotate",
        "",
        "Emite una clave nueva (se imprime una vez); la anterior deja de funcionar.",
    ),
    ("guardia admin lawyer", "", "El padrón de abogados."),
    (
        "guardia admin lawyer add",
        "",
        "Da de alta a un abogado e imprime su clave una sola vez.",
    ),
    (
        "guardia admin lawyer add",
        "name",
        "Su nombre completo, como lo buscarán los oficiales.",
    ),
    (
        "guardia admin lawyer add",
        "serves",
        "Identificadores de los consulados a los que atiende, separados por comas.",
    ),
    (
        "guardia admin lawyer add",
        "languages",
        "Códigos de idioma, separados por comas (es,en,mix...).",
    ),
    (
        "guardia admin lawyer add",
        "capacity",
        "Casos abiertos que puede llevar.",
    ),
    (
        "guardia admin lawyer import",
        "",
        "Pone el padrón al día con un CSV (como config/lawyers.sample.csv): da de alta a los nuevos y actualiza a los que ya están, que conservan su clave; imprime nombre,id,clave,hecho por línea.",
    ),
    (
        "guardia admin lawyer import",
        "file",
        "El CSV: name,serves,languages,capacity (serves y languages separados por `;`).",
    ),
    ("guardia admin device", "", "Credenciales de los teléfonos."),
    (
        "guardia admin device revoke",
        "",
        "Deja sin efecto la clave de un teléfono (robado o perdido); queda en el registro.",
    ),
    (
        "guardia admin device revoke",
        "id",
        "El número de registro que devolvió la inscripción.",
    ),
    (
        "guardia admin accept-head",
        "",
        "Después de restaurar un respaldo: lo revisa completo y anota dónde termina su registro, para que el hub lo sirva (el archivo de cabecera anterior decía que el registro llegaba más lejos).",
    ),
    (
        "guardia admin backup",
        "",
        "Una copia consistente de la base mientras el hub funciona (la API de respaldo de SQLite), revisada con la misma llave antes de darse por hecha. El archivo de llaves no se copia: guárdelo aparte.",
    ),
    (
        "guardia admin backup",
        "out",
        "Dónde escribir la copia (no debe existir; se crea con permisos 0600).",
    ),
    (
        "guardia admin retention",
        "",
        "Aplica ahora la política de conservación: se borran para siempre los datos personales de las personas cuyos casos llevan cerrados más de `[retention] closed_case_days` (el hub lo hace a diario).",
    ),
    (
        "guardia admin retention",
        "now",
        "Aplicarla a esta fecha y hora (RFC 3339, p. ej. 2028-01-01T00:00:00Z) en lugar de ahora.",
    ),
    (
        "guardia admin hold",
        "",
        "Pone un caso bajo resguardo legal (la conservación no borra nada de su persona), o lo levanta.",
    ),
    ("guardia admin hold", "case", "El número de caso."),
    (
        "guardia admin hold",
        "reason",
        "En qué se funda el resguardo (una orden judicial, la solicitud del área jurídica).",
    ),
    (
        "guardia admin hold",
        "release",
        "Levanta el resguardo en lugar de ponerlo.",
    ),
    (
        "guardia verify",
        "",
        "Revisa el registro: un archivo de base de datos contra su sello (cada eslabón de cada evento, cada caso reconstruido), o la exportación de un caso contra el hub. Sale con error y nombra el primer número de evento dañado.",
    ),
    (
        "guardia verify",
        "db",
        "El archivo de base de datos del hub, o un respaldo.",
    ),
    (
        "guardia verify",
        "export",
        "La exportación de un caso (`guardia case export`) que se revisa contra el hub.",
    ),
    (
        "guardia verify",
        "hub",
        "El hub contra el que se revisa la exportación (por omisión, el configurado).",
    ),
];
