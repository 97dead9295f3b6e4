<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>{{title}}</title>
  <link rel="stylesheet" href="/static/css/app.css">
</head>
<body>
  <header><h1>{{title}}</h1></header>
  <main>{{!base}}</main>
  <script src="/static/js/app.js"></script>
</body>
</html>
